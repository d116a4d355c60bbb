import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_WATCH, judgeWatch, plannedProbes, type WatchProbe } from './deployment.ts';

const ok: WatchProbe = { ok: true, latencyMs: 10, detail: 'ok' };
const bad = (detail: string): WatchProbe => ({ ok: false, latencyMs: 10, detail });
const none = { before: null, after: null };

describe('judgeWatch', () => {
  it('plans one probe per interval over the window, none without a window', () => {
    assert.equal(plannedProbes(DEFAULT_WATCH), 12);
    assert.equal(plannedProbes({ ...DEFAULT_WATCH, windowSeconds: 7, intervalSeconds: 5 }), 2);
    assert.equal(plannedProbes({ ...DEFAULT_WATCH, windowSeconds: 0 }), 0);
  });

  it('fails at the first failed probe by default, naming it and what failed', () => {
    assert.deepEqual(judgeWatch([ok, ok], none, DEFAULT_WATCH), { ok: true });
    assert.deepEqual(judgeWatch([ok, bad('health: connection refused')], none, DEFAULT_WATCH), {
      ok: false,
      reason: 'watch: probe 2 of 12 failed (1 failed, no failed probe allowed): health: connection refused',
    });
  });

  it('allows failed probes up to the error budget of the whole window', () => {
    const policy = { ...DEFAULT_WATCH, maxErrorRate: 0.2 }; // 12 probes: 2 may fail
    assert.equal(judgeWatch([bad('a'), ok, bad('b')], none, policy).ok, true);
    const third = judgeWatch([bad('a'), ok, bad('b'), bad('c')], none, policy);
    assert.deepEqual(third, { ok: false, reason: 'watch: probe 4 of 12 failed (3 failed, 2 of 12 allowed): c' });
  });

  it("judges the target's own request counters between the two readings", () => {
    const policy = { ...DEFAULT_WATCH, maxErrorRate: 0.01 };
    assert.equal(judgeWatch([ok], { before: { requests: 100, errors: 5 }, after: { requests: 300, errors: 6 } }, policy).ok, true);
    assert.deepEqual(judgeWatch([ok], { before: { requests: 100, errors: 5 }, after: { requests: 300, errors: 10 } }, policy), {
      ok: false,
      reason: 'watch: 5 of 200 requests failed (2.5 % > 1 % allowed)',
    });
    assert.equal(judgeWatch([ok], { before: { requests: 100, errors: 5 }, after: { requests: 100, errors: 5 } }, DEFAULT_WATCH).ok, true, 'no requests: nothing to judge');
  });

  it('checks the median latency at the end only', () => {
    const policy = { ...DEFAULT_WATCH, maxLatencyMs: 100 };
    const slow = [{ ...ok, latencyMs: 50 }, { ...ok, latencyMs: 300 }, { ...ok, latencyMs: 200 }];
    assert.equal(judgeWatch(slow, none, policy).ok, true);
    assert.deepEqual(judgeWatch(slow, none, policy, { final: true }), { ok: false, reason: 'watch: median probe latency 200 ms > 100 ms allowed' });
  });
});
