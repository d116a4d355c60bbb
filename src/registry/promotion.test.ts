/** applyPromotionRule on a real SQLite store: decisions carried out once, whatever the retries. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import type { Checkpoint } from '../core/types.ts';
import { startRun, T0 } from '../store/contract/fixtures.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { applyPromotionRule, type PromotionRequest } from './promotion.ts';

describe('applyPromotionRule', () => {
  let store: Store;
  let cps: Checkpoint[];
  /** Composite scores by checkpoint id, as the evaluation work would look them up. */
  const scores = new Map<number, number>();
  const deps = () => ({ store, now: () => T0 });
  const request = (model: string, cp: Checkpoint, extra: Partial<PromotionRequest> = {}): PromotionRequest => ({
    model, checkpointId: cp.id, score: scores.get(cp.id) ?? null, verdict: 'pass', regressions: [],
    scoreOf: (v) => scores.get(v.checkpointId) ?? null, ...extra,
  });

  before(async () => {
    store = await createSqliteStore(':memory:');
    const { job, run } = await startRun(store);
    cps = [];
    for (const [i, score] of [0.5, 0.52, 0.7, 0.9, 0.95].entries()) {
      const cp = await store.registerCheckpoint({ jobId: job.id, runId: run.id, step: (i + 1) * 10, path: `/ckpt/${i}.pt`, bytes: 1, metrics: {}, createdAt: T0 });
      scores.set(cp.id, score);
      cps.push(cp);
    }
    await store.createModel({ name: 'ruled', promotionRule: { alias: 'production', margin: 0.05, relative: false } }, 'test', T0);
    await store.createModel({ name: 'free' }, 'test', T0);
  });
  after(() => store.close());

  const history = async () => (await store.listAliasMoves('ruled', 'production')).map((m) => [m.from, m.to, m.by]);

  it('does nothing for a model without a rule, and refuses an unknown model', async () => {
    assert.deepEqual(await applyPromotionRule(deps(), request('free', cps[0])), { decision: null, version: null, move: null });
    assert.deepEqual(await store.listModelVersions('free'), []);
    await assert.rejects(applyPromotionRule(deps(), request('nope', cps[0])), NotFoundError);
  });

  it('promotes the first candidate as system, with the decision as the reason, once', async () => {
    const first = await applyPromotionRule(deps(), request('ruled', cps[0], { notes: 'evaluation 1: pass' }));
    assert.equal(first.decision?.promote, true);
    assert.deepEqual([first.version?.version, first.version?.notes, first.version?.createdBy, first.version?.aliases], [1, 'evaluation 1: pass', 'system', ['production']]);
    assert.equal(first.move?.reason, 'promotion rule: score 0.5; production pointed at no version');
    const replay = await applyPromotionRule(deps(), request('ruled', cps[0]));
    assert.deepEqual([replay.decision?.promote, replay.decision?.reason, replay.move], [false, `checkpoint ${cps[0].id} is production already (version 1)`, null]);
    assert.deepEqual(await history(), [[null, 1, 'system']]);
  });

  it('refuses a candidate inside the margin or with a regression alarm, writing nothing', async () => {
    const small = await applyPromotionRule(deps(), request('ruled', cps[1]));
    assert.equal(small.decision?.promote, false);
    assert.match(small.decision!.reason, /does not beat 0\.55/);
    const alarm = await applyPromotionRule(deps(), request('ruled', cps[2], { regressions: [{ detail: 'loss 2 is 100.0 % worse than the best 1 (tolerance 15 %)' }] }));
    assert.match(alarm.decision!.reason, /^regression alarm: loss 2/);
    assert.deepEqual((await store.listModelVersions('ruled')).map((v) => v.version), [1]);
    assert.deepEqual(await history(), [[null, 1, 'system']]);
  });

  it('finishes a promotion a crash cut between the version and the alias move', async () => {
    // The crash: the version was made, the alias not moved.
    await store.createModelVersion({ model: 'ruled', checkpointId: cps[2].id }, 'system', T0);
    const resumed = await applyPromotionRule(deps(), request('ruled', cps[2]));
    assert.deepEqual([resumed.version?.version, resumed.move?.from, resumed.move?.to], [2, 1, 2]);
    assert.deepEqual((await store.listModelVersions('ruled')).map((v) => v.version), [1, 2], 'no second version of the checkpoint');
  });

  it('loses to a person who moved the alias meanwhile, then decides afresh', async () => {
    const racing = { ...deps(), store: { ...store, getModelVersion: async (...args: Parameters<Store['getModelVersion']>) => {
      const seen = await store.getModelVersion(...args);
      // Between the rule's read and its move, someone moves production back to version 1.
      await store.moveAlias({ model: 'ruled', alias: 'production', version: 1, by: 'ann', reason: 'rollback' }, T0);
      return seen;
    } } };
    await assert.rejects(applyPromotionRule(racing, request('ruled', cps[3])), ConflictError);
    assert.equal((await store.getModelVersion('ruled', 'production'))?.version, 1, 'the person won');
    const retried = await applyPromotionRule(deps(), request('ruled', cps[3]));
    assert.deepEqual([retried.move?.from, retried.move?.to, retried.version?.version], [1, 3, 3]);
    assert.deepEqual(await history(), [[null, 1, 'system'], [1, 2, 'system'], [2, 1, 'ann'], [1, 3, 'system']]);
  });
});
