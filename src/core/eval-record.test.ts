import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concludeEvaluation, type ConcludeInput, type Evaluation, isPromotable, rankEvaluations } from './eval-record.ts';
import type { SuiteMetric } from './evaluation.ts';

const metrics: SuiteMetric[] = [
  { name: 'loss', goal: 'min', change: { relative: -0.2 } },
  { name: 'accuracy', goal: 'max' },
];
const succeeded = { state: 'succeeded' as const, outcome: { kind: 'success' as const, detail: 'exit code 0', retryable: false } };
const input = (over: Partial<ConcludeInput>): ConcludeInput => ({
  metrics, tolerance: 0.15, job: succeeded, reported: {}, baseline: { label: 'random policy', values: { loss: 1, accuracy: 0 } }, earlier: [], ...over,
});

describe('concludeEvaluation', () => {
  it('passes with a diff against the baseline, a score and its delta', () => {
    const r = concludeEvaluation(input({ reported: { loss: 0.5, accuracy: 0.5, other: 9 } }));
    assert.equal(r.verdict, 'pass');
    assert.deepEqual(r.values, { loss: 0.5, accuracy: 0.5 }, 'only the suite metrics');
    assert.equal(r.score, 0); // (-0.5 + 0.5) / 2
    assert.deepEqual(r.baseline, { label: 'random policy', values: { loss: 1, accuracy: 0 }, score: -0.5 });
    assert.equal(r.scoreDelta, 0.5);
    assert.deepEqual([r.diffs[0].absolute, r.diffs[0].relative, r.diffs[0].failed], [-0.5, -0.5, null]);
    assert.deepEqual(r.regressions, []);
  });

  it('fails a change bound, naming the metric and the bound', () => {
    const r = concludeEvaluation(input({ reported: { loss: 0.9, accuracy: 0.1 } }));
    assert.equal(r.verdict, 'fail');
    assert.match(r.summary, /^loss 0\.9 changed by -10 % against the baseline 1; lower is better and the change bound is -20 %$/);
  });

  it('is no-baseline without one (a first run), and has no delta', () => {
    const r = concludeEvaluation(input({ reported: { loss: 0.5, accuracy: 0.5 }, baseline: null }));
    assert.deepEqual([r.verdict, r.baseline, r.scoreDelta], ['no-baseline', null, null]);
  });

  it('fails an evaluation whose job did not succeed, with the reason', () => {
    const r = concludeEvaluation(input({ job: { state: 'failed', outcome: { kind: 'exit-code', detail: 'exit code 3', retryable: true } }, reported: { loss: 0.1 } }));
    assert.deepEqual([r.verdict, r.summary, r.values, r.score], ['fail', 'the evaluation job failed: exit code 3', {}, null]);
    assert.equal(r.diffs.length, 2);
  });

  it('raises the regression alarm against the best earlier result, beyond the tolerance', () => {
    const earlier = [{ loss: 0.5, accuracy: 0.5 }, { loss: 0.3, accuracy: 0.7 }];
    const within = concludeEvaluation(input({ reported: { loss: 0.34, accuracy: 0.66 }, earlier }));
    assert.deepEqual(within.regressions, []);
    const worse = concludeEvaluation(input({ reported: { loss: 0.7, accuracy: 0.3 }, earlier }));
    assert.deepEqual(worse.regressions.map((x) => [x.metric, x.best]), [['loss', 0.3], ['accuracy', 0.7]]);
    assert.match(worse.summary, /; regression: loss 0\.7 is 133\.3 % worse than the best 0\.3 \(tolerance 15 %\)/);
    assert.equal(worse.verdict, 'pass', 'the verdict is against the baseline; the alarm is separate');
    const tolerant = concludeEvaluation(input({ reported: { loss: 0.7, accuracy: 0.3 }, earlier, tolerance: 2 }));
    assert.deepEqual(tolerant.regressions, []);
  });
});

function evaluation(id: number, step: number, over: Partial<Evaluation> = {}): Evaluation {
  return {
    id, suite: 's', suiteVersion: 1, jobId: 1, checkpointId: id, step, checkpointPath: `/c/${step}`, evalJobId: 100 + id, trigger: 'checkpoint',
    state: 'done', createdAt: 0, endedAt: 1, result: null, override: null, ...over,
  };
}
const withScore = (score: number | null, verdict: 'pass' | 'fail' = 'pass', regressed = false) => ({
  verdict, summary: '', values: {}, score, baseline: null, scoreDelta: null, diffs: [],
  regressions: regressed ? [{ metric: 'loss', value: 1, best: 0.5, worseBy: 1, detail: '' }] : [],
});

describe('isPromotable', () => {
  it('needs a done evaluation that did not fail and did not regress, unless overridden', () => {
    assert.equal(isPromotable(evaluation(1, 1, { result: withScore(1) })), true);
    assert.equal(isPromotable(evaluation(1, 1, { result: { ...withScore(1), verdict: 'no-baseline' } })), true);
    assert.equal(isPromotable(evaluation(1, 1, { result: withScore(1, 'fail') })), false);
    assert.equal(isPromotable(evaluation(1, 1, { result: withScore(1, 'pass', true) })), false);
    assert.equal(isPromotable(evaluation(1, 1, { state: 'running' })), false);
    assert.equal(isPromotable(evaluation(1, 1, { result: withScore(1, 'fail'), override: { by: 'ana', reason: 'flaky', at: 2 } })), true);
  });
});

describe('rankEvaluations', () => {
  it('ranks by score (ties: earlier step), then unscored, then running', () => {
    const ranked = rankEvaluations([
      evaluation(1, 10, { result: withScore(0.2) }),
      evaluation(2, 20, { state: 'running' }),
      evaluation(3, 30, { result: withScore(null, 'fail') }),
      evaluation(4, 40, { result: withScore(0.9) }),
      evaluation(5, 5, { result: withScore(0.2) }),
    ]);
    assert.deepEqual(ranked.map((r) => [r.rank, r.evaluation.id]), [[1, 4], [2, 5], [3, 1], [null, 3], [null, 2]]);
  });
});
