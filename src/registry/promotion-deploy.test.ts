/** applyPromotionRule when deploy targets follow the rule's alias: deployments instead of a move. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_WATCH } from '../core/deployment.ts';
import { startRun, T0 } from '../store/contract/fixtures.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { applyPromotionRule } from './promotion.ts';

describe('applyPromotionRule with deploy targets', () => {
  let store: Store;
  const checkpointIds: number[] = [];

  before(async () => {
    store = await createSqliteStore(':memory:');
    const { job, run } = await startRun(store);
    for (const step of [10, 20]) checkpointIds.push((await store.registerCheckpoint({ jobId: job.id, runId: run.id, step, path: `/ckpt/${step}.pt`, bytes: 1, metrics: {}, createdAt: T0 })).id);
    await store.createModel({ name: 'chat', promotionRule: { alias: 'production', margin: 0, relative: false } }, 'test', T0);
    const target = { kind: 'command', model: 'chat', alias: 'production', config: {}, smoke: null, watch: DEFAULT_WATCH } as const;
    await store.saveDeployTarget({ ...target, name: 'serve' }, 'test', T0);
    await store.saveDeployTarget({ ...target, name: 'canary' }, 'test', T0);
    await store.saveDeployTarget({ ...target, name: 'staging-box', alias: 'staging' }, 'test', T0);
  });
  after(() => store.close());

  const request = (checkpointId: number) => ({ model: 'chat', checkpointId, score: 1, verdict: 'pass' as const, regressions: [], scoreOf: () => 0.5 });

  it('requests a deployment per following target, moving the alias only when one succeeds; a replay requests none again', async () => {
    const outcome = await applyPromotionRule({ store, now: () => T0 }, request(checkpointIds[0]));
    assert.equal(outcome.move, null);
    assert.deepEqual(outcome.deployments?.map((d) => [d.target, d.version, d.requestedBy, d.moveAlias]), [
      ['canary', 1, 'system', { alias: 'production', expectedFrom: null }],
      ['serve', 1, 'system', { alias: 'production', expectedFrom: null }],
    ]);
    assert.match(outcome.deployments![0].cause!, /^promotion rule: /);
    assert.equal(await store.getModelVersion('chat', 'production'), null, 'the alias waits for a deployment');
    const replay = await applyPromotionRule({ store, now: () => T0 }, request(checkpointIds[0]));
    assert.deepEqual(replay.deployments?.map((d) => d.id), outcome.deployments.map((d) => d.id));
    assert.equal((await store.listDeployments()).length, 2);
    await store.finishDeployment(outcome.deployments[1].id, { state: 'succeeded' }, T0 + 1);
    assert.equal((await store.getModelVersion('chat', 'production'))?.version, 1);
  });
});
