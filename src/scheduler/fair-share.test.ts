import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { schedule } from './scheduler.ts';
import { planCases, queued, running, snapshot } from './test-fixtures.ts';

const fair = { fairShare: true };

describe('fair share', () => planCases([
  {
    name: 'off: FIFO within the class, whoever holds the GPUs',
    snapshot: snapshot(3, {
      running: [running(8, [0, 1], 30, { owner: 'alice' })],
      queue: [queued(1, { owner: 'alice' }), queued(2, { owner: 'bob' })],
    }),
    start: [[1, [2]]],
  },
  {
    name: 'on: the owner with the smaller running GPU share goes first',
    snapshot: snapshot(3, {
      policy: fair,
      running: [running(8, [0, 1], 30, { owner: 'alice' })],
      queue: [queued(1, { owner: 'alice' }), queued(2, { owner: 'bob' })],
    }),
    start: [[2, [2]]],
  },
  {
    name: 'on: owners are interleaved within one pass',
    snapshot: snapshot(4, {
      policy: fair,
      queue: [queued(1, { owner: 'alice' }), queued(2, { owner: 'alice' }), queued(3, { owner: 'alice' }),
        queued(4, { owner: 'bob' }), queued(5, { owner: 'bob' }), queued(6, { owner: 'bob' })],
    }),
    start: [[1, [0]], [4, [1]], [2, [2]], [5, [3]]],
  },
  {
    name: 'on: shares are in GPUs, not jobs',
    snapshot: snapshot(8, {
      policy: fair,
      queue: [queued(1, { owner: 'alice', gpus: 4 }), queued(2, { owner: 'bob' }), queued(3, { owner: 'bob' }),
        queued(4, { owner: 'bob' }), queued(5, { owner: 'alice' })],
    }),
    start: [[1, [0, 1, 2, 3]], [2, [4]], [3, [5]], [4, [6]], [5, [7]]],
  },
  {
    name: 'on: classes never mix',
    snapshot: snapshot(1, {
      policy: fair,
      running: [running(8, [], 30, { owner: 'alice', gpus: [5, 6] })],
      queue: [queued(1, { owner: 'alice', priorityClass: 'high' }), queued(2, { owner: 'bob' })],
    }),
    start: [[1, [0]]],
  },
  {
    name: 'on: jobs without an owner form one group',
    snapshot: snapshot(2, {
      policy: fair,
      running: [running(8, [0], 30, { owner: null })],
      queue: [queued(1), queued(2, { owner: 'carol' })],
    }),
    start: [[2, [1]]],
  },
]));

describe('fair share: stopping jobs', () => {
  it('does not count GPUs of jobs that are leaving', () => {
    const plan = schedule(snapshot(3, {
      policy: fair,
      running: [running(8, [0, 1], 30, { owner: 'alice', stopping: true })],
      queue: [queued(1, { owner: 'alice' }), queued(2, { owner: 'bob' }), queued(3, { owner: 'bob' })],
    }));
    assert.deepEqual(plan.start.map((p) => p.jobId), [1]);
  });
});
