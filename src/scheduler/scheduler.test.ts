import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareArrival, comparePriority, orderJobs } from './ordering.ts';
import { resolvePolicy, UnknownPolicyError } from './policies.ts';
import { schedule } from './scheduler.ts';
import { MINUTE, NOW, planCases, queued, running, snapshot } from './test-fixtures.ts';

describe('schedule: basics', () => planCases([
  {
    name: 'starts queued jobs in order while slots are free',
    snapshot: snapshot(2, { queue: [queued(1), queued(2), queued(3)] }),
    start: [[1, [0]], [2, [1]]],
  },
  {
    name: 'never hands out a busy GPU',
    snapshot: snapshot(2, { running: [running(9, [0], 30)], queue: [queued(1), queued(2)] }),
    start: [[1, [1]]],
  },
  {
    name: 'counts CPU slots',
    snapshot: snapshot(0, {
      slots: { gpus: [], cpuSlots: 2 },
      running: [{ ...running(9, [], 30), cpus: 1 }],
      queue: [queued(1, { gpus: 0, cpus: 1 }), queued(2, { gpus: 0, cpus: 1 })],
    }),
    start: [[1, []]],
  },
  {
    name: 'reports jobs that can never fit, and does not hold anything for them',
    snapshot: snapshot(2, { queue: [queued(1, { gpus: 4, priorityClass: 'high' }), queued(2, { cpus: 1 }), queued(3)] }),
    start: [[3, [0]]],
    unschedulable: [
      { jobId: 1, reason: 'needs 4 GPUs, this server has 2' },
      { jobId: 2, reason: 'needs 1 CPU slot, this server has 0' },
    ],
  },
  {
    name: 'a job in retry backoff waits and holds no reservation',
    snapshot: snapshot(2, { queue: [queued(1, { gpus: 2, priorityClass: 'high', notBefore: NOW + 1 }), queued(2, { expectedSeconds: null })] }),
    start: [[2, [0]]],
  },
  {
    name: 'a job whose backoff has passed starts',
    snapshot: snapshot(2, { queue: [queued(1, { notBefore: NOW })] }),
    start: [[1, [0]]],
  },
]));

describe('schedule: order', () => planCases([
  {
    name: 'class first: a high job queued last starts before normal and low ones',
    snapshot: snapshot(1, { queue: [queued(1, { priorityClass: 'low' }), queued(2), queued(3, { priorityClass: 'high' })] }),
    start: [[3, [0]]],
  },
  {
    name: 'then priority (higher first), then queuedAt (a job moved to the front goes first)',
    snapshot: snapshot(2, { queue: [queued(1), queued(2, { priority: 5 }), queued(3, { queuedAt: -1 })] }),
    start: [[2, [0]], [3, [1]]],
  },
  {
    name: 'a lower job that might run past the head\'s reservation never starts ahead of it',
    snapshot: snapshot(2, {
      running: [running(9, [0], 30)],
      queue: [queued(1, { gpus: 2, priorityClass: 'high' }), queued(2, { priorityClass: 'low', expectedSeconds: 60 * MINUTE })],
    }),
    start: [],
  },
  {
    name: 'starvation: a big job queued first is not passed by a stream of small ones that end later than its start',
    snapshot: snapshot(4, {
      running: [running(8, [0], 10), running(9, [1], 20)],
      queue: [queued(1, { gpus: 4 }), ...[2, 3, 4, 5, 6].map((id) => queued(id, { expectedSeconds: 30 * MINUTE }))],
    }),
    start: [],
  },
  {
    name: 'starvation under fifo (greedy first fit): the small ones take the free GPUs',
    snapshot: snapshot(4, {
      policy: { name: 'fifo' },
      running: [running(8, [0], 10), running(9, [1], 20)],
      queue: [queued(1, { gpus: 4 }), ...[2, 3, 4, 5, 6].map((id) => queued(id, { expectedSeconds: 30 * MINUTE }))],
    }),
    start: [[2, [2]], [3, [3]]],
  },
  {
    name: 'fifo ignores classes',
    snapshot: snapshot(1, { policy: { name: 'fifo' }, queue: [queued(1, { priorityClass: 'low' }), queued(2, { priorityClass: 'high' })] }),
    start: [[1, [0]]],
  },
]));

describe('schedule: conservative backfill', () => planCases([
  {
    name: 'may: a job that ends before the head\'s reservation starts in the hole',
    snapshot: snapshot(4, {
      running: [running(9, [0, 1], 20)],
      queue: [queued(1, { gpus: 4 }), queued(2, { expectedSeconds: 15 * MINUTE }), queued(3, { expectedSeconds: 25 * MINUTE })],
    }),
    start: [[2, [2]]],
  },
  {
    name: 'may: a long job on GPUs the head did not reserve',
    snapshot: snapshot(8, {
      running: [running(8, [0, 1, 2, 3], 10), running(9, [4, 5], 60)],
      queue: [queued(1, { gpus: 4 }), queued(2, { expectedSeconds: null }), queued(3, { expectedSeconds: 600 * MINUTE })],
    }),
    start: [[2, [6]], [3, [7]]],
  },
  {
    name: 'must not: a job of unknown length cannot use a hole',
    snapshot: snapshot(4, {
      running: [running(9, [0, 1], 20)],
      queue: [queued(1, { gpus: 4 }), queued(2, { expectedSeconds: null })],
    }),
    start: [],
  },
  {
    name: 'must not: no backfill past a reservation that waits on a job of unknown length',
    snapshot: snapshot(4, {
      running: [running(9, [0, 1], null)],
      queue: [queued(1, { gpus: 4 }), queued(2, { expectedSeconds: 1 })],
    }),
    start: [],
  },
  {
    name: 'must not delay the second waiting job either: reservations stack',
    snapshot: snapshot(4, {
      running: [running(9, [0, 1, 2], 10)],
      // 1 reserves GPUs 0-2 from +10 to +40 min; 2 reserves all four from +40 min;
      // 3 (45 min) would delay 2, 4 (35 min) would not.
      queue: [queued(1, { gpus: 3, expectedSeconds: 30 * MINUTE }), queued(2, { gpus: 4 }),
        queued(3, { expectedSeconds: 45 * MINUTE }), queued(4, { expectedSeconds: 35 * MINUTE })],
    }),
    start: [[4, [3]]],
  },
  {
    name: 'a running job past its expected end frees its slots "now" but still holds them',
    snapshot: snapshot(2, {
      running: [running(9, [0], -5)],
      queue: [queued(1, { gpus: 2 }), queued(2, { expectedSeconds: 1 * MINUTE })],
    }),
    start: [],
  },
  {
    name: 'with backfill off nothing passes a waiting job',
    snapshot: snapshot(4, {
      policy: { backfill: false },
      running: [running(9, [0, 1], 20)],
      queue: [queued(1, { gpus: 4 }), queued(2, { expectedSeconds: 1 * MINUTE })],
    }),
    start: [],
  },
]));

describe('schedule: policies', () => {
  it('rejects an unknown policy name', () => {
    assert.throws(() => schedule(snapshot(1, { policy: { name: 'lottery' as never } })), UnknownPolicyError);
  });

  it('plans a pass over 10,000 queued jobs', () => {
    const queue = [...Array(10_000).keys()].map((i) => queued(i + 1, { gpus: [1, 2, 4, 8][i % 4], priorityClass: (['high', 'normal', 'low'] as const)[i % 3] }));
    const plan = schedule(snapshot(64, { queue, running: [running(0, [0, 1, 2, 3], 30)] }));
    const used = plan.start.flatMap((p) => p.gpus);
    assert.equal(new Set(used).size, used.length);
    assert.ok(used.length <= 60 && used.length >= 50, `used ${used.length}`);
  });
});

describe('schedule: order does not depend on how the queue is listed', () => {
  it('sorts a shuffled queue, ties in queuedAt by job id, priorities mixed or not', () => {
    for (const priorities of [[0], [0, 1, -1]]) {
      const jobs = [...Array(500).keys()].map((i) => queued(500 - i, {
        queuedAt: NOW + (i * 7919) % 97, priority: priorities[i % priorities.length], priorityClass: (['high', 'normal', 'low'] as const)[i % 3],
      }));
      const expected = [...jobs].sort(comparePriority).map((j) => j.jobId);
      const settings = resolvePolicy(undefined);
      assert.deepEqual(orderJobs(jobs, settings, []).map((j) => j.jobId), expected);
      assert.deepEqual(orderJobs([...jobs].reverse(), settings, []).map((j) => j.jobId), expected);
      const byArrival = [...jobs].sort(compareArrival).map((j) => j.jobId);
      assert.deepEqual(orderJobs(jobs, resolvePolicy({ name: 'fifo' }), []).map((j) => j.jobId), byArrival);
    }
  });
});
