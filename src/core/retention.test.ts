import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describePolicy, effectivePolicy, planRetention, retainedMetrics, type RetainedCheckpoint } from './retention.ts';

const cps: RetainedCheckpoint[] = [100, 200, 300, 400, 500].map((step, i) => ({ id: i + 1, step, metrics: { loss: [0.9, 0.3, 0.5, 0.4, 0.6][i] } }));
const ids = (list: ReadonlyArray<{ id: number }>) => list.map((x) => x.id).sort((a, b) => a - b);

describe('retention', () => {
  it('keeps the union of latest, best and milestones, with reasons', () => {
    const plan = planRetention(cps, { keepLatest: 1, keepBest: { metric: 'loss', goal: 'min', count: 2 }, keepEvery: 300 });
    assert.deepEqual(ids(plan.keep), [2, 3, 4, 5]);
    assert.deepEqual(ids(plan.remove), [1]);
    assert.deepEqual(plan.keep.find((k) => k.id === 2)?.reasons, ['best 1 of 2 by loss (min)']);
    assert.deepEqual(plan.keep.find((k) => k.id === 3)?.reasons, ['step 300 is a multiple of 300']);
    assert.equal(plan.remove[0].reason, 'step 100: not among the latest 1, not among the best 2 by loss, step 100 is not a multiple of 300; nothing protects it');
  });

  it('never removes a protected checkpoint, and keeps everything without a rule', () => {
    const plan = planRetention(cps, { keepLatest: 1 }, new Map([[1, ['model chat v3']], [2, ['deployed on builtin']]]));
    assert.deepEqual(ids(plan.remove), [3, 4]);
    assert.deepEqual(plan.keep.find((k) => k.id === 1)?.reasons, ['model chat v3']);
    assert.deepEqual(planRetention(cps, {}).remove, []);
  });

  it('keeps best by a metric only among checkpoints that have it', () => {
    const mixed = [...cps, { id: 6, step: 600, metrics: {} }];
    const plan = planRetention(mixed, { keepBest: { metric: 'loss', goal: 'max', count: 1 } });
    assert.deepEqual(ids(plan.keep), [1]);
    assert.match(plan.remove.find((r) => r.id === 6)!.reason, /has no loss/);
  });

  it("follows the job's own policy, else the global one, else the latest keepCheckpoints", () => {
    const global = { keepEvery: 100 };
    assert.deepEqual(effectivePolicy({ keepCheckpoints: 2, retention: { keepLatest: 2 } }, global), { policy: { keepLatest: 2 }, source: 'job' });
    assert.deepEqual(effectivePolicy({ keepCheckpoints: 3 }, global), { policy: global, source: 'global' });
    assert.deepEqual(effectivePolicy({ keepCheckpoints: 3 }, null), { policy: { keepLatest: 3 }, source: 'default' });
  });

  it('merges evaluation results as SUITE/METRIC and SUITE/score over the training metrics', () => {
    const merged = retainedMetrics({ loss: 0.5, 'heldout/loss': 9 }, [
      { suite: 'heldout', result: { values: { loss: 0.7, score: 1 }, score: 0.3 } },
      { suite: 'running', result: null },
    ]);
    assert.deepEqual(merged, { loss: 0.5, 'heldout/loss': 0.7, 'heldout/score': 0.3 });
    const plan = planRetention([{ id: 1, step: 1, metrics: merged }, { id: 2, step: 2, metrics: { loss: 0.1 } }], { keepBest: { metric: 'heldout/score', goal: 'max', count: 1 } });
    assert.deepEqual(plan.keep.map((k) => k.id), [1]);
  });

  it('describes a policy in words', () => {
    assert.equal(describePolicy({ keepLatest: 3, keepBest: { metric: 'heldout/score', goal: 'max', count: 2 }, keepEvery: 1000 }), 'latest 3, best 2 by heldout/score (max), every 1000th step');
    assert.equal(describePolicy({}), 'keep everything');
  });
});
