import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { choosePositions, contiguousRun } from './placement.ts';
import { planCases, queued, running, snapshot } from './test-fixtures.ts';

describe('placement', () => planCases([
  {
    name: 'packs from the lowest index on an empty machine',
    snapshot: snapshot(8, { queue: [queued(1, { gpus: 2 }), queued(2), queued(3, { gpus: 4 })] }),
    start: [[1, [0, 1]], [2, [2]], [3, [3, 4, 5, 6]]],
  },
  {
    name: 'keeps a multi-GPU job on the shortest contiguous run that holds it',
    snapshot: snapshot(8, {
      running: [running(8, [0], 30), running(9, [3], 30)],
      queue: [queued(1, { gpus: 3 }), queued(2, { gpus: 2 })],
    }),
    start: [[1, [4, 5, 6]], [2, [1, 2]]],
  },
  {
    name: 'falls back to the lowest indices when no run is long enough',
    snapshot: snapshot(8, {
      running: [running(8, [1], 30), running(9, [3], 30), running(10, [5], 30), running(11, [7], 30)],
      queue: [queued(1, { gpus: 3 })],
    }),
    start: [[1, [0, 2, 4]]],
  },
  {
    name: 'hands out the inventory\'s own indices',
    snapshot: snapshot(0, { slots: { gpus: [7, 2, 5, 3], cpuSlots: 0 }, queue: [queued(1, { gpus: 2 }), queued(2, { gpus: 2 })] }),
    start: [[1, [2, 3]], [2, [5, 7]]],
  },
  {
    name: 'never shares a GPU by default',
    snapshot: snapshot(1, { running: [running(9, [0], 30)], queue: [queued(1)] }),
    start: [],
  },
  {
    name: 'shares a GPU up to jobsPerGpu, filling one GPU before the next',
    snapshot: snapshot(0, {
      slots: { gpus: [0, 1], cpuSlots: 0, jobsPerGpu: 3 },
      running: [running(9, [0], 30)],
      queue: [queued(1), queued(2, { gpus: 2 }), queued(3), queued(4), queued(5)],
    }),
    start: [[1, [0]], [2, [0, 1]], [3, [1]], [4, [1]]],
  },
  {
    name: 'a backfilled job goes into a hole before an open GPU',
    snapshot: snapshot(4, {
      running: [running(8, [0, 1], 20)],
      // 1 reserves 0, 1 and 2 from +20 min; 2 fits in the hole on GPU 2 and leaves GPU 3 open
      // for 3, which runs past +20 min.
      queue: [queued(1, { gpus: 3 }), queued(2, { expectedSeconds: 60 }), queued(3, { expectedSeconds: null })],
    }),
    start: [[2, [2]], [3, [3]]],
  },
]));

describe('placement: choosing positions', () => {
  const ids = [0, 1, 2, 3, 4, 5, 6, 7];
  it('finds the shortest run, lowest on ties', () => {
    assert.deepEqual(contiguousRun([0, 1, 2, 3, 5, 6], ids, 2), [5, 6]);
    assert.deepEqual(contiguousRun([0, 2, 4, 6], ids, 1), [0]);
    assert.equal(contiguousRun([0, 2, 4, 6], ids, 2), null);
  });
  it('prefers a run among the preferred positions', () => {
    assert.deepEqual(choosePositions([0, 1, 2, 3], [2, 3], ids, 2), [2, 3]);
    assert.deepEqual(choosePositions([0, 1, 2, 3], [1, 3], ids, 2), [0, 1]);
    assert.deepEqual(choosePositions([0, 2, 5], [], ids, 2), [0, 2]);
  });
});
