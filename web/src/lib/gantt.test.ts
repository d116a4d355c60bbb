import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layoutByJob, layoutBySlot, queueDepth, utilisation, type RunSpan } from './gantt.ts';

const run = (runId: number, jobId: number, start: number, end: number | null, gpus = 0, cpus = 1, gpuIds?: number[]): RunSpan => ({
  jobId, name: `job-${jobId}`, runId, attempt: 1, state: end === null ? 'running' : 'succeeded', start, end, gpus, cpus, gpuIds,
});

describe('gantt', () => {
  it('packs CPU runs onto the lowest free lanes', () => {
    const layout = layoutBySlot([run(1, 1, 0, 10), run(2, 2, 5, 15), run(3, 3, 10, 20), run(4, 4, 12, null, 0, 2)], 30);
    assert.deepEqual(layout.lanes, ['CPU 0', 'CPU 1', 'CPU 2', 'CPU 3']);
    assert.deepEqual(layout.bars.map((b) => [b.run.runId, b.lane, b.end]), [
      [1, 'CPU 0', 10], [2, 'CPU 1', 15], [3, 'CPU 0', 20], [4, 'CPU 2', 30], [4, 'CPU 3', 30],
    ]);
  });

  it('puts runs that name their GPUs on those lanes, GPUs before CPUs', () => {
    const layout = layoutBySlot([run(1, 1, 0, 10, 1, 0, [1]), run(2, 2, 0, 10, 1, 0), run(3, 3, 0, 5)], 20);
    assert.deepEqual(layout.lanes, ['GPU 0', 'GPU 1', 'CPU 0']);
    assert.deepEqual(layout.bars.map((b) => [b.run.runId, b.lane]), [[1, 'GPU 1'], [2, 'GPU 0'], [3, 'CPU 0']]);
  });

  it('lays runs by job, one lane per job, retries on the same lane', () => {
    const layout = layoutByJob([run(1, 7, 0, 5), run(2, 8, 1, 4), { ...run(3, 7, 6, 9), attempt: 2 }], 10);
    assert.deepEqual(layout.lanes, ['#7 job-7', '#8 job-8']);
    assert.deepEqual(layout.bars.map((b) => b.lane), ['#7 job-7', '#8 job-8', '#7 job-7']);
  });

  it('measures utilisation inside a window, overlaps counted once', () => {
    const layout = { lanes: ['CPU 0', 'CPU 1'], bars: [
      { lane: 'CPU 0', run: run(1, 1, 0, 50), start: 0, end: 50 },
      { lane: 'CPU 0', run: run(2, 2, 40, 60), start: 40, end: 60 },
      { lane: 'CPU 1', run: run(3, 3, 90, 200), start: 90, end: 200 },
    ] };
    const u = utilisation(layout, 0, 100);
    assert.equal(u.get('CPU 0'), 0.6);
    assert.equal(u.get('CPU 1'), 0.1);
  });

  it('counts queued jobs over time, including waits between retries', () => {
    const depth = queueDepth([
      { createdAt: 0, state: 'succeeded', runs: [{ start: 10, end: 20 }, { start: 25, end: 30 }] },
      { createdAt: 5, state: 'queued', runs: [] },
    ], 40);
    assert.deepEqual(depth, { times: [0, 5, 10, 20, 25, 40], depths: [1, 2, 1, 2, 1, 0] });
  });
});
