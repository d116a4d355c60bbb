import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dependencyStatus } from './dependencies.ts';
import { checkDivergence, checkRunLimits, rollbackPoint } from './watchdog.ts';

const spec = (stuckSeconds: number | null, timeLimitSeconds: number | null = null) => ({
  timeLimitSeconds,
  watchdog: { stuckSeconds, divergence: null },
});

describe('checkRunLimits', () => {
  it('leaves a run that progresses alone', () => {
    assert.equal(checkRunLimits(spec(10), { now: 100_000, startedAt: 0, lastProgressAt: 95_000 }), null);
  });
  it('calls a run without a new step for the window stuck, counting from its start', () => {
    assert.equal(checkRunLimits(spec(10), { now: 100_000, startedAt: 0, lastProgressAt: 89_000 }), 'stuck');
    assert.equal(checkRunLimits(spec(10), { now: 11_000, startedAt: 0, lastProgressAt: null }), 'stuck');
    assert.equal(checkRunLimits(spec(10), { now: 9_000, startedAt: 0, lastProgressAt: null }), null);
  });
  it('is off when the window is null', () => {
    assert.equal(checkRunLimits(spec(null), { now: 1e12, startedAt: 0, lastProgressAt: null }), null);
  });
  it('enforces the time limit first', () => {
    assert.equal(checkRunLimits(spec(10, 5), { now: 6_000, startedAt: 0, lastProgressAt: 5_900 }), 'time-limit');
  });
});

describe('checkDivergence', () => {
  const loss = { metric: 'loss', factor: 4, retryWithParams: null };
  it('flags NaN and infinity', () => {
    assert.equal(checkDivergence(loss, { min: null }, [1, 2], [1, NaN]).diverged?.step, 2);
    assert.match(checkDivergence({ ...loss, factor: null }, { min: null }, [7], [Infinity]).diverged!.detail, /Infinity at step 7/);
  });
  it('flags growth past factor × the running minimum, and only that', () => {
    const first = checkDivergence(loss, { min: null }, [1, 2, 3], [2, 1, 3.9]);
    assert.equal(first.diverged, null);
    assert.equal(first.state.min, 1);
    assert.equal(checkDivergence(loss, first.state, [4], [4.1]).diverged?.step, 4);
  });
});

describe('dependencyStatus', () => {
  it('is ready when all succeeded, waiting otherwise, failed fast', () => {
    assert.deepEqual(dependencyStatus([1, 2], new Map([[1, 'succeeded'], [2, 'succeeded']])), { kind: 'ready' });
    assert.deepEqual(dependencyStatus([1, 2], new Map([[1, 'succeeded'], [2, 'running']])), { kind: 'waiting' });
    assert.deepEqual(dependencyStatus([1, 2], new Map([[1, 'running'], [2, 'failed']])), { kind: 'failed', detail: 'dependency job 2 failed' });
    assert.equal(dependencyStatus([3], new Map()).kind, 'failed');
  });
});

describe('rollbackPoint', () => {
  const spec = { metric: 'loss', factor: 2, retryWithParams: { lr: 0.1 } };
  const cps: Array<{ id: number; step: number; metrics: Record<string, number> }> = [
    { id: 1, step: 10, metrics: { loss: 1 } },
    { id: 2, step: 20, metrics: {} },
    { id: 3, step: 30, metrics: { loss: 0.5 } },
    { id: 4, step: 40, metrics: { loss: 3 } },
  ];
  it('is the newest checkpoint before the step the job diverged at', () => {
    assert.equal(rollbackPoint({ ...spec, factor: null }, cps, 35)?.id, 3);
    assert.equal(rollbackPoint({ ...spec, factor: null }, cps, 10), null);
  });
  it("is the newest before one whose own registered value diverged, else the newest", () => {
    assert.equal(rollbackPoint(spec, cps)?.id, 3, 'loss 3 at step 40 is over 2× its minimum 0.5');
    assert.equal(rollbackPoint({ ...spec, factor: null }, cps)?.id, 4);
    assert.equal(rollbackPoint(spec, [{ id: 9, step: 5, metrics: { loss: null as unknown as number } }, ...cps])?.id, undefined, 'a NaN (stored as null) at the first');
  });
});

