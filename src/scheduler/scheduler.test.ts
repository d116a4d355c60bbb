import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { schedule, type Snapshot } from './scheduler.ts';

const snap = (s: Partial<Snapshot>): Snapshot => ({
  now: 1000, slots: { gpus: [0, 1], cpuSlots: 2 }, running: [], queue: [], ...s,
});

describe('schedule', () => {
  it('starts queued jobs in order while slots are free', () => {
    const plan = schedule(snap({
      queue: [
        { jobId: 1, gpus: 1, cpus: 0, notBefore: null },
        { jobId: 2, gpus: 1, cpus: 0, notBefore: null },
        { jobId: 3, gpus: 1, cpus: 0, notBefore: null },
      ],
    }));
    assert.deepEqual(plan.start, [{ jobId: 1, gpus: [0], cpus: 0 }, { jobId: 2, gpus: [1], cpus: 0 }]);
  });

  it('never hands out a busy GPU', () => {
    const plan = schedule(snap({
      running: [{ jobId: 9, gpus: [0], cpus: 0 }],
      queue: [{ jobId: 1, gpus: 1, cpus: 0, notBefore: null }, { jobId: 2, gpus: 1, cpus: 0, notBefore: null }],
    }));
    assert.deepEqual(plan.start, [{ jobId: 1, gpus: [1], cpus: 0 }]);
  });

  it('respects retry backoff', () => {
    const plan = schedule(snap({ queue: [{ jobId: 1, gpus: 0, cpus: 1, notBefore: 2000 }] }));
    assert.deepEqual(plan.start, []);
    assert.equal(schedule(snap({ now: 2000, queue: [{ jobId: 1, gpus: 0, cpus: 1, notBefore: 2000 }] })).start.length, 1);
  });

  it('counts CPU slots', () => {
    const plan = schedule(snap({
      running: [{ jobId: 9, gpus: [], cpus: 1 }],
      queue: [{ jobId: 1, gpus: 0, cpus: 1, notBefore: null }, { jobId: 2, gpus: 0, cpus: 1, notBefore: null }],
    }));
    assert.deepEqual(plan.start.map((p) => p.jobId), [1]);
  });

  it('reports jobs that can never fit', () => {
    const plan = schedule(snap({ queue: [{ jobId: 1, gpus: 4, cpus: 0, notBefore: null }] }));
    assert.deepEqual(plan.start, []);
    assert.deepEqual(plan.unschedulable, [{ jobId: 1, reason: 'needs 4 GPUs, this server has 2' }]);
  });
});
