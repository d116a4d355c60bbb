import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dependencyStatus } from './dependencies.ts';
import { checkDivergence, checkRunLimits } from './watchdog.ts';

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
