import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bestSoFar, compositeScore, judge, regressions, type SuiteMetric } from './evaluation.ts';

const accuracy: SuiteMetric = { name: 'accuracy', goal: 'max', value: { lower: 0.5 }, change: { absolute: -0.01 } };
const loss: SuiteMetric = { name: 'loss', goal: 'min', change: { relative: 0.05 } };

describe('judge', () => {
  it('passes within every bound, with a per-metric diff', () => {
    const j = judge([accuracy, loss], { accuracy: 0.9, loss: 1.0 }, { accuracy: 0.895, loss: 1.02 });
    assert.equal(j.verdict, 'pass');
    assert.equal(j.summary, 'all 2 metrics within their thresholds');
    const [a, l] = j.diffs;
    assert.equal(a.failed, null);
    assert.ok(Math.abs(a.absolute! - 0.005) < 1e-12);
    assert.ok(Math.abs(l.relative! - -0.02 / 1.02) < 1e-12);
  });

  it('fails naming the metric, the values and the bound it broke', () => {
    const drop = judge([accuracy], { accuracy: 0.88 }, { accuracy: 0.9 });
    assert.equal(drop.verdict, 'fail');
    assert.match(drop.diffs[0].failed!, /accuracy 0\.88 changed by -0\.02 against the baseline 0\.9; higher is better and the change bound is -0\.01/);
    const low = judge([accuracy], { accuracy: 0.4 }, null);
    assert.deepEqual([low.verdict, low.summary], ['fail', 'accuracy 0.4 is below the lower bound 0.5']);
    const worse = judge([loss], { loss: 1.1 }, { loss: 1.0 });
    assert.match(worse.summary, /loss 1\.1 changed by \+10 % .* change bound is \+5 %/);
    const missing = judge([loss], {}, { loss: 1 });
    assert.deepEqual([missing.verdict, missing.summary], ['fail', 'loss was not reported']);
  });

  it('says no-baseline on a first run whose value bounds held, and never stays silent', () => {
    const first = judge([accuracy, loss], { accuracy: 0.7, loss: 2 }, null);
    assert.equal(first.verdict, 'no-baseline');
    assert.match(first.summary, /no baseline to compare accuracy, loss with/);
    const valueOnly = judge([{ name: 'accuracy', goal: 'max' }], { accuracy: 0.1 }, null);
    assert.equal(valueOnly.verdict, 'pass', 'no thresholds: a verdict all the same');
  });
});

describe('composite score', () => {
  it('is the weighted mean, signed so that higher is better', () => {
    assert.equal(compositeScore([{ name: 'a', goal: 'max', weight: 3 }, { name: 'l', goal: 'min', weight: 1 }], { a: 0.8, l: 0.4 }), (3 * 0.8 - 0.4) / 4);
    assert.equal(compositeScore([{ name: 'a', goal: 'max' }, { name: 'l', goal: 'min' }], { a: 1, l: 3 }), -1);
    assert.equal(compositeScore([{ name: 'a', goal: 'max', weight: 1 }, { name: 'x', goal: 'max' }], { a: 2 }), 2, 'unweighted metrics are left out');
    assert.equal(compositeScore([{ name: 'a', goal: 'max' }], {}), null);
  });
});

describe('regression alarm', () => {
  const metrics: SuiteMetric[] = [{ name: 'loss', goal: 'min' }, { name: 'accuracy', goal: 'max' }];

  it('flags a metric worse than the best so far by more than 15 %', () => {
    const best = bestSoFar(metrics, [{ loss: 1.0, accuracy: 0.7 }, { loss: 0.8, accuracy: 0.75 }, { loss: 0.9, accuracy: 0.72 }]);
    assert.deepEqual(best, { loss: 0.8, accuracy: 0.75 });
    assert.deepEqual(regressions(metrics, { loss: 0.9, accuracy: 0.74 }, best), [], '12.5 % worse loss is within tolerance');
    const [r] = regressions(metrics, { loss: 0.95, accuracy: 0.74 }, best);
    assert.equal(r.metric, 'loss');
    assert.match(r.detail, /loss 0\.95 is 18\.7 % worse than the best 0\.8 \(tolerance 15 %\)/);
    assert.equal(regressions(metrics, { accuracy: 0.5 }, best, 0.5).length, 0);
    assert.equal(regressions(metrics, { accuracy: 0.3 }, best, 0.5)[0].metric, 'accuracy');
  });
});
