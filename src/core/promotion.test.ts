import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compositeScore, regressions, type SuiteMetric } from './evaluation.ts';
import { DEFAULT_PROMOTION_RULE, type PromotionCandidate, shouldPromote } from './promotion.ts';

const rule = { ...DEFAULT_PROMOTION_RULE, margin: 0.05 };
const candidate = (score: number | null, extra: Partial<PromotionCandidate> = {}): PromotionCandidate => ({ checkpointId: 7, score, verdict: 'pass', regressions: [], ...extra });

describe('shouldPromote', () => {
  it('promotes onto an alias that points at nothing', () => {
    const decision = shouldPromote(rule, candidate(0.4), null);
    assert.equal(decision.promote, true);
    assert.equal(decision.reason, 'score 0.4; production pointed at no version');
    assert.equal(decision.threshold, null);
  });

  it('promotes only past the absolute margin', () => {
    const current = { version: 2, checkpointId: 3, score: 0.5 };
    assert.equal(shouldPromote(rule, candidate(0.56), current).promote, true);
    const tie = shouldPromote(rule, candidate(0.55), current);
    assert.equal(tie.promote, false, 'equal to score + margin does not beat it');
    assert.equal(tie.threshold, 0.55);
    assert.equal(tie.reason, 'score 0.55 does not beat 0.55: production (version 2) scores 0.5, margin 0.05');
  });

  it('reads a relative margin as a fraction of |current score| (negative scores too)', () => {
    const relative = { alias: 'staging', margin: 0.1, relative: true };
    const current = { version: 1, checkpointId: 3, score: -2 };
    // threshold = -2 + 0.1 × 2 = -1.8
    assert.equal(shouldPromote(relative, candidate(-1.85), current).promote, false);
    const win = shouldPromote(relative, candidate(-1.7), current);
    assert.equal(win.promote, true);
    assert.match(win.reason, /^score -1\.7 beats -1\.8: staging \(version 1\) scores -2, margin 10 %$/);
  });

  it('never promotes on a regression alarm, a failed verdict or without a score', () => {
    const metrics: SuiteMetric[] = [{ name: 'loss', goal: 'min' }];
    const found = regressions(metrics, { loss: 1.3 }, { loss: 1.0 });
    const alarm = shouldPromote(rule, candidate(10, { regressions: found }), null);
    assert.equal(alarm.promote, false);
    assert.match(alarm.reason, /^regression alarm: loss 1\.3 is 30\.0 % worse/);
    assert.deepEqual(shouldPromote(rule, candidate(10, { verdict: 'fail' }), null), { promote: false, reason: 'its evaluation failed', threshold: null });
    assert.equal(shouldPromote(rule, candidate(null), null).reason, 'it has no composite score');
    assert.equal(shouldPromote(rule, candidate(Number.NaN), null).promote, false);
  });

  it('does not promote over a version without a score, nor the version the alias holds', () => {
    assert.match(shouldPromote(rule, candidate(1), { version: 4, checkpointId: 3, score: null }).reason, /version 4\) has no composite score/);
    assert.equal(shouldPromote(rule, candidate(1), { version: 4, checkpointId: 7, score: 0 }).reason, 'checkpoint 7 is production already (version 4)');
  });

  it('takes scores as compositeScore makes them (higher is better, losses negated)', () => {
    const metrics: SuiteMetric[] = [{ name: 'loss', goal: 'min' }, { name: 'accuracy', goal: 'max' }];
    const old = compositeScore(metrics, { loss: 0.5, accuracy: 0.8 })!;
    const better = compositeScore(metrics, { loss: 0.3, accuracy: 0.85 })!;
    assert.equal(shouldPromote(rule, candidate(better), { version: 1, checkpointId: 1, score: old }).promote, true);
    assert.equal(shouldPromote(rule, candidate(old), { version: 1, checkpointId: 1, score: better }).promote, false);
  });
});
