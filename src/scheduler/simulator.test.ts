import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lowerBoundSeconds, percentile, simulate } from './simulator.ts';
import { syntheticTrace, type TraceJob } from './synthetic-trace.ts';

const job = (id: number, fields: Partial<TraceJob>): TraceJob => ({
  id, submitAt: 0, gpus: 1, durationSeconds: 600, expectedSeconds: 600, priorityClass: 'normal', owner: 'ana',
  preemptible: false, checkpointEverySeconds: null, ...fields,
});

describe('synthetic trace', () => {
  it('is the same for the same seed and differs for another', () => {
    assert.deepEqual(syntheticTrace({ seed: 1, jobs: 300, gpus: 8 }), syntheticTrace({ seed: 1, jobs: 300, gpus: 8 }));
    assert.notDeepEqual(syntheticTrace({ seed: 1, jobs: 300, gpus: 8 }), syntheticTrace({ seed: 2, jobs: 300, gpus: 8 }));
  });

  it('mixes GPU needs and classes, declares limits at least the true duration, checkpoints preemptible jobs', () => {
    const trace = syntheticTrace({ seed: 3, jobs: 2000, gpus: 8 });
    assert.equal(trace.length, 2000);
    assert.deepEqual(new Set(trace.map((t) => t.gpus)), new Set([1, 2, 4, 8]));
    assert.deepEqual(new Set(trace.map((t) => t.priorityClass)), new Set(['high', 'normal', 'low']));
    assert.ok(trace.every((t) => t.expectedSeconds >= t.durationSeconds));
    assert.ok(trace.every((t) => !t.preemptible || t.checkpointEverySeconds !== null));
    assert.ok(trace.every((t, i) => i === 0 || trace[i - 1].submitAt <= t.submitAt));
    const durations = trace.map((t) => t.durationSeconds);
    assert.ok(percentile(durations, 0.99) > 10 * percentile(durations, 0.5), 'heavy tail');
  });
});

describe('simulate', () => {
  it('replays a small trace to the end, the same way every time', () => {
    const trace = syntheticTrace({ seed: 5, jobs: 300, gpus: 8 });
    const a = simulate(trace, { gpus: 8 });
    assert.deepEqual(simulate(trace, { gpus: 8 }), a);
    assert.equal(a.outcomes.length, 300);
    assert.ok(a.outcomes.every((o) => o.endAt >= o.firstStartAt));
    assert.ok(a.makespanSeconds >= a.lowerBoundSeconds);
    assert.ok(a.utilisation <= 1 && a.utilisationWhileWaiting <= 1);
  });

  it('serves high-priority jobs sooner than fifo does', () => {
    const trace = syntheticTrace({ seed: 5, jobs: 400, gpus: 8 });
    const fifo = simulate(trace, { gpus: 8, policy: { name: 'fifo' } });
    const ours = simulate(trace, { gpus: 8 });
    assert.ok(ours.waits.high.p50Seconds < fifo.waits.high.p50Seconds);
  });

  it('preempts a checkpointed low job for a high one, loses the work since its checkpoint, and resumes it', () => {
    const trace = [
      job(1, { gpus: 2, priorityClass: 'low', durationSeconds: 3600, expectedSeconds: 3600, preemptible: true, checkpointEverySeconds: 600 }),
      job(2, { submitAt: 1_000_000, gpus: 2, priorityClass: 'high', durationSeconds: 600, expectedSeconds: 600 }),
    ];
    const r = simulate(trace, { gpus: 2, stopGraceSeconds: 30 });
    assert.equal(r.preemptions, 1);
    // Preempted at 1,000 s, exits at 1,030 s, checkpoint at 600 s: 430 s × 2 GPUs lost.
    assert.equal(Math.round(r.lostGpuHours * 3600), 860);
    const [low, high] = r.outcomes;
    assert.equal(high.firstStartAt, 1_030_000);
    // Resumes at 1,630 s from its 600 s checkpoint: 3,000 s left.
    assert.equal(low.endAt, 4_630_000);
  });

  it('lets a short job backfill ahead of a big one without delaying it', () => {
    const trace = [
      job(1, { durationSeconds: 1000, expectedSeconds: 1000 }),
      job(2, { submitAt: 1, gpus: 2, durationSeconds: 100, expectedSeconds: 100 }),
      job(3, { submitAt: 2, durationSeconds: 900, expectedSeconds: 900 }),
    ];
    const r = simulate(trace, { gpus: 2 });
    assert.deepEqual(r.outcomes.map((o) => o.firstStartAt), [0, 1_000_000, 2]);
  });
});

describe('lower bound', () => {
  it('is the largest of GPU-time ÷ GPUs, the longest job, and late work after its arrival', () => {
    // 2 GPUs. Total 4,000 GPU-s ÷ 2 = 2,000 s; longest 1,500 s.
    const early = [job(1, { durationSeconds: 1500 }), job(2, { durationSeconds: 1000 }), job(3, { durationSeconds: 1500 })];
    assert.equal(lowerBoundSeconds(early, 2), 2000);
    // The same work, but 3 arrives at 1,800 s: it cannot end before 3,300 s.
    assert.equal(lowerBoundSeconds([...early.slice(0, 2), job(3, { submitAt: 1_800_000, durationSeconds: 1500 })], 2), 3300);
    // Two 2-GPU jobs of 1,000 s arriving at 1,000 s need 2,000 s more on 2 GPUs: 3,000 s.
    const late = [job(1, { durationSeconds: 100 }), job(2, { submitAt: 1_000_000, gpus: 2, durationSeconds: 1000 }), job(3, { submitAt: 1_000_000, gpus: 2, durationSeconds: 1000 })];
    assert.equal(lowerBoundSeconds(late, 2), 3000);
  });
});
