import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { schedule } from './scheduler.ts';
import { MINUTE, NOW, planCases, queued, running, snapshot } from './test-fixtures.ts';

const ago = (minutes: number): number => NOW - minutes * MINUTE * 1000;
/** A low-class preemptible job on `gpus` whose last checkpoint was `minutesAgo` ago. */
const victim = (jobId: number, gpus: number[], minutesAgo: number, startedMinutesAgo = 120) =>
  running(jobId, gpus, 600, { priorityClass: 'low', preemptible: true, startedAt: ago(startedMinutesAgo), lastCheckpointAt: ago(minutesAgo) });
const high = (jobId: number, gpus: number) => queued(jobId, { priorityClass: 'high', gpus });

describe('preemption', () => planCases([
  {
    name: 'chooses the set that loses the fewest GPU-seconds',
    // 2 GPUs needed: {11, 12} lose 1×5 + 1×8 = 13 GPU-minutes, {13} 2×10 = 20.
    snapshot: snapshot(4, { running: [victim(11, [0], 5), victim(12, [1], 8), victim(13, [2, 3], 10)], queue: [high(1, 2)] }),
    start: [],
    preempt: [[11, 1], [12, 1]],
  },
  {
    name: 'on equal loss, fewer jobs',
    // {11, 12}: 10 + 10 = 20 GPU-minutes, {13}: 2×10 = 20.
    snapshot: snapshot(4, { running: [victim(11, [0], 10), victim(12, [1], 10), victim(13, [2, 3], 10)], queue: [high(1, 2)] }),
    preempt: [[13, 1]],
  },
  {
    name: 'on equal loss and count, the most recently started',
    snapshot: snapshot(2, { running: [victim(11, [0], 10, 300), victim(12, [1], 10, 200)], queue: [high(1, 1)] }),
    preempt: [[12, 1]],
  },
  {
    name: 'counts work since the start when a job has no checkpoint',
    snapshot: snapshot(2, {
      running: [victim(11, [0], 5), { ...victim(12, [1], 0, 3), lastCheckpointAt: null }],
      queue: [high(1, 1)],
    }),
    preempt: [[12, 1]],
  },
  {
    name: 'uses free GPUs first and preempts only the shortfall',
    snapshot: snapshot(4, { running: [victim(11, [0], 5), victim(12, [1], 8), victim(13, [2], 1)], queue: [high(1, 2)] }),
    start: [],
    preempt: [[13, 1]],
  },
  {
    name: 'never preempts a job that is not preemptible, or of the same or a higher rank',
    snapshot: snapshot(4, {
      running: [
        running(11, [0], 600, { priorityClass: 'low', preemptible: false }),
        running(12, [1], 600, { priorityClass: 'high', preemptible: true }),
        running(13, [2], 600, { priorityClass: 'normal', priority: 5, preemptible: true }),
        running(14, [3], 600, { priorityClass: 'normal', priority: 3, preemptible: true }),
      ],
      queue: [queued(1, { priority: 5, gpus: 2 }), queued(2, { priority: 5 })],
    }),
    preempt: [],
  },
  {
    name: 'within the class, preempts a lower priority',
    snapshot: snapshot(2, {
      running: [running(13, [0], 600, { priority: 5, preemptible: true }), running(14, [1], 600, { priority: 3, preemptible: true })],
      queue: [queued(1, { priority: 4 })],
    }),
    preempt: [[14, 1]],
  },
  {
    name: 'never preempts a job already stopping, and preempts no more when stopping ones suffice',
    snapshot: snapshot(4, {
      running: [{ ...victim(11, [0, 1], 1), stopping: true }, victim(12, [2], 60), victim(13, [3], 60)],
      queue: [high(1, 2)],
    }),
    preempt: [],
  },
  {
    name: 'preempts only what the stopping ones do not cover',
    snapshot: snapshot(4, {
      running: [{ ...victim(11, [0, 1], 1), stopping: true }, victim(12, [2], 60), victim(13, [3], 30)],
      queue: [high(1, 3)],
    }),
    preempt: [[13, 1]],
  },
  {
    name: 'starts nothing on the slots the head will take, even a short job',
    snapshot: snapshot(4, {
      running: [victim(11, [0], 5), victim(12, [1], 8)],
      queue: [high(1, 3), queued(2, { expectedSeconds: 1 })],
    }),
    start: [],
    preempt: [[11, 1]],
  },
  {
    name: 'other jobs may still use GPUs the head does not need',
    snapshot: snapshot(4, {
      running: [victim(11, [0, 1], 5), running(12, [2], 600, { priorityClass: 'low' })],
      queue: [high(1, 2), queued(2, { expectedSeconds: 1 })],
    }),
    start: [[2, [3]]],
    preempt: [[11, 1]],
  },
  {
    name: 'no preemption when no set of victims makes the head fit',
    snapshot: snapshot(4, {
      running: [victim(11, [0], 5), running(12, [1, 2, 3], 600, { priorityClass: 'low' })],
      queue: [high(1, 2)],
    }),
    preempt: [],
  },
  {
    name: 'never preempts for a job that cannot fit on an empty machine',
    snapshot: snapshot(2, { running: [victim(11, [0, 1], 5)], queue: [high(1, 4)] }),
    unschedulable: [{ jobId: 1, reason: 'needs 4 GPUs, this server has 2' }],
  },
  {
    name: 'only the head preempts',
    snapshot: snapshot(2, {
      running: [victim(11, [0], 5), running(12, [1], 600)],
      queue: [high(1, 2), queued(2, { gpus: 1, priority: 9 })],
    }),
    preempt: [],
  },
  {
    name: 'not with preemption off',
    snapshot: snapshot(1, { policy: { preemption: false }, running: [victim(11, [0], 5)], queue: [high(1, 1)] }),
    preempt: [],
  },
  {
    name: 'CPU slots count as well',
    snapshot: snapshot(0, {
      slots: { gpus: [], cpuSlots: 4 },
      running: [{ ...victim(11, [], 5), cpus: 2 }, { ...victim(12, [], 5), cpus: 1 }, { ...victim(13, [], 5), cpus: 1 }],
      queue: [queued(1, { priorityClass: 'high', gpus: 0, cpus: 2 })],
    }),
    preempt: [[11, 1]],
  },
  {
    name: 'shared GPUs: a GPU is usable once one of its seats frees',
    snapshot: snapshot(2, {
      slots: { gpus: [0, 1], cpuSlots: 0, jobsPerGpu: 2 },
      running: [victim(11, [0], 5), victim(12, [0], 9), victim(13, [1], 20), victim(14, [1], 30)],
      queue: [high(1, 2)],
    }),
    preempt: [[11, 1], [13, 1]],
  },
]));

describe('preemption: reservations count what the job may preempt', () => planCases([
  {
    // 6 GPUs: a non-preemptible job on 0-1 ends in 20 min, a preemptible low one on 2-3 in
    // 5 h. The high job cannot preempt its way in now (4 short), but at +20 min it can: its
    // reservation is then, not in 5 h, so a 60-min job must not take GPU 4 or 5.
    name: 'a later job may not run past the time the head can preempt its way in',
    snapshot: snapshot(6, {
      running: [running(8, [0, 1], 20), victim(9, [2, 3], 5)],
      queue: [high(1, 6), queued(2, { expectedSeconds: 60 * MINUTE }), queued(3, { expectedSeconds: 10 * MINUTE })],
    }),
    start: [[3, [4]]],
    preempt: [],
  },
  {
    name: 'without preemption the reservation waits for the preemptible job to end',
    snapshot: snapshot(6, {
      policy: { preemption: false },
      running: [running(8, [0, 1], 20), victim(9, [2, 3], 5)],
      queue: [high(1, 6), queued(2, { expectedSeconds: 60 * MINUTE }), queued(3, { expectedSeconds: 10 * MINUTE })],
    }),
    start: [[2, [4]], [3, [5]]],
  },
]));

describe('preemption: lost work', () => {
  it('reports GPU-seconds since the last checkpoint', () => {
    const plan = schedule(snapshot(2, { running: [victim(11, [0, 1], 10)], queue: [high(1, 2)] }));
    assert.deepEqual(plan.preempt, [{ jobId: 11, forJobId: 1, lostGpuSeconds: 2 * 10 * MINUTE }]);
  });
});
