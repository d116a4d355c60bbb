import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTimeline } from './timeline.ts';
import type { Job, Run } from './types.ts';

const run = (id: number, jobId: number, startedAt: number, endedAt: number | null, gpus: number[], cpus = 0): Run => ({
  id, jobId, attempt: 1, state: endedAt === null ? 'running' : 'succeeded', startedAt, endedAt, handle: null,
  exitCode: 0, signal: null, outcome: null, resumedFrom: null, resumeStep: null, logPath: '', lastHeartbeatAt: null, gpus, cpus, params: null, peakGpuMemoryMiB: null,
});
const job = (id: number, createdAt: number, state: Job['state'] = 'succeeded') => ({ id, createdAt, state, spec: { name: `j${id}` } }) as unknown as Job;

describe('buildTimeline', () => {
  it('puts runs on their GPUs, CPU runs on free lanes, and measures utilisation', () => {
    const runs = [run(1, 1, 0, 50, [0]), run(2, 2, 0, null, [], 1), run(3, 3, 10, 30, [], 1), run(4, 4, 60, 80, [], 1)];
    const jobs = new Map([1, 2, 3, 4].map((id) => [id, job(id, 0)]));
    const t = buildTimeline({ from: 0, to: 100, gpus: [0, 1], cpuSlots: 2, runs, jobs, runsByJob: new Map(runs.map((r) => [r.jobId, [r]])) });
    assert.deepEqual(t.lanes, ['gpu-0', 'gpu-1', 'cpu-0', 'cpu-1']);
    assert.deepEqual(t.bars.map((b) => [b.runId, b.lane]), [[1, 'gpu-0'], [2, 'cpu-0'], [3, 'cpu-1'], [4, 'cpu-1']]);
    assert.deepEqual(t.utilisation, { 'gpu-0': 0.5, 'gpu-1': 0, 'cpu-0': 1, 'cpu-1': 0.4 });
  });

  it('counts queued jobs over time', () => {
    const runs = [run(1, 1, 50, 60, [0])];
    const jobs = new Map([[1, job(1, 0)], [2, job(2, 20, 'queued')]]);
    const t = buildTimeline({ from: 0, to: 100, gpus: [0], cpuSlots: 0, runs, jobs, runsByJob: new Map([[1, runs]]), samples: 5 });
    assert.deepEqual(t.queueDepth.map((q) => q.depth), [1, 2, 1, 1, 1]);
  });
});
