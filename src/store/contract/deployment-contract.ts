/** Contract of DeploymentStore: targets, deployments as transitions, the alias moved with a success. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_WATCH, type DeployTargetSpec } from '../../core/deployment.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.ts';
import type { Store } from '../store.ts';
import { startRun, type StoreFactory, T0, useStore } from './fixtures.ts';

export const targetSpec = (overrides: Partial<DeployTargetSpec> = {}): DeployTargetSpec => ({
  name: 'serve',
  kind: 'command',
  model: 'chat',
  alias: 'production',
  config: { command: ['deploy.sh'] },
  smoke: { prompt: 'Hello', expect: { matches: '\\w' } },
  watch: DEFAULT_WATCH,
  ...overrides,
});

/** Model `chat` with versions 1…n, each from its own checkpoint of one job. */
export async function modelWithVersions(store: Store, n: number): Promise<{ jobId: number; checkpointIds: number[] }> {
  const { job, run } = await startRun(store);
  await store.createModel({ name: 'chat' }, 'ci', T0);
  const checkpointIds: number[] = [];
  for (let step = 1; step <= n; step++) {
    const cp = await store.registerCheckpoint({ jobId: job.id, runId: run.id, step, path: `/ckpt/step-${step}.pt`, bytes: 10, metrics: {}, createdAt: T0 + step });
    await store.createModelVersion({ model: 'chat', checkpointId: cp.id }, 'ci', T0 + step);
    checkpointIds.push(cp.id);
  }
  return { jobId: job.id, checkpointIds };
}

export function deploymentContract(createStore: StoreFactory): void {
  describe('deployments', () => {
    const store = useStore(createStore);

    it('saves, lists and removes targets with events; a target needs a known model', async () => {
      await assert.rejects(store().saveDeployTarget(targetSpec(), 'ci', T0), NotFoundError);
      await modelWithVersions(store(), 1);
      const saved = await store().saveDeployTarget(targetSpec(), 'ci', T0);
      assert.deepEqual({ ...saved }, { ...targetSpec(), createdAt: T0, updatedAt: T0, current: null });
      const replaced = await store().saveDeployTarget(targetSpec({ alias: 'staging' }), 'ci', T0 + 5);
      assert.deepEqual([replaced.alias, replaced.createdAt, replaced.updatedAt], ['staging', T0, T0 + 5]);
      await store().saveDeployTarget(targetSpec({ name: 'another' }), 'ci', T0);
      assert.deepEqual((await store().listDeployTargets()).map((t) => t.name), ['another', 'serve']);
      await store().removeDeployTarget('another', 'ci', T0 + 9);
      assert.equal(await store().getDeployTarget('another'), null);
      await assert.rejects(store().removeDeployTarget('another', 'ci', T0), NotFoundError);
      const events = await store().listEvents({ types: ['deploy_target.saved', 'deploy_target.removed'] });
      assert.deepEqual(events.map((e) => e.type), ['deploy_target.saved', 'deploy_target.saved', 'deploy_target.saved', 'deploy_target.removed']);
    });

    it('runs a deployment through its steps; success records the version and moves the alias in one go', async () => {
      const { checkpointIds } = await modelWithVersions(store(), 2);
      await store().saveDeployTarget(targetSpec(), 'ci', T0);
      await store().moveAlias({ model: 'chat', alias: 'production', version: 1, by: 'ci', reason: null }, T0);
      const requested = await store().requestDeployment({ target: 'serve', model: 'chat', version: 2, requestedBy: 'system', cause: 'promotion rule: better', moveAlias: { alias: 'production', expectedFrom: 1 } }, T0 + 10);
      assert.deepEqual([requested.state, requested.checkpointId, requested.previousVersion, requested.steps], ['requested', checkpointIds[1], null, { requested: T0 + 10 }]);
      await assert.rejects(store().requestDeployment({ target: 'serve', model: 'chat', version: 1, requestedBy: 'ci' }, T0), ConflictError, 'one deployment at a time per target');
      await assert.rejects(store().removeDeployTarget('serve', 'ci', T0), ConflictError, 'a target with a deployment in flight stays');
      for (const [i, state] of (['staging', 'checking', 'switching', 'watching'] as const).entries()) await store().advanceDeployment(requested.id, state, T0 + 11 + i);
      const done = await store().finishDeployment(requested.id, { state: 'succeeded' }, T0 + 20);
      assert.deepEqual([done.state, done.endedAt, Object.keys(done.steps)], ['succeeded', T0 + 20, ['requested', 'staging', 'checking', 'switching', 'watching', 'succeeded']]);
      assert.deepEqual((await store().getDeployTarget('serve'))!.current, { version: 2, checkpointId: checkpointIds[1], deploymentId: requested.id, since: T0 + 20 });
      assert.equal((await store().getModelVersion('chat', 'production'))!.version, 2);
      assert.deepEqual(await store().currentDeployments(), new Map([['serve', { model: 'chat', version: 2, checkpointId: checkpointIds[1] }]]));
      const again = await store().finishDeployment(requested.id, { state: 'failed', reason: 'late', step: 'watch' }, T0 + 30);
      assert.equal(again.state, 'succeeded', 'a final deployment stays as it is');
      const events = await store().listEvents({ after: (await store().listEvents({ types: ['deployment.requested'] }))[0].id - 1 });
      assert.deepEqual(events.map((e) => e.type), [
        'deployment.requested', 'deployment.progressed', 'deployment.progressed', 'deployment.progressed', 'deployment.progressed', 'model.alias_moved', 'deployment.finished',
      ]);
      const next = await store().requestDeployment({ target: 'serve', model: 'chat', version: 1, requestedBy: 'ci' }, T0 + 40);
      assert.equal(next.previousVersion, 2, 'what the target serves is what a failure reverts to');
    });

    it('leaves an alias a person moved meanwhile, and says so', async () => {
      await modelWithVersions(store(), 3);
      await store().saveDeployTarget(targetSpec(), 'ci', T0);
      const d = await store().requestDeployment({ target: 'serve', model: 'chat', version: 2, requestedBy: 'system', moveAlias: { alias: 'production', expectedFrom: null } }, T0);
      await store().moveAlias({ model: 'chat', alias: 'production', version: 3, by: 'ana', reason: 'hotfix' }, T0 + 1);
      const done = await store().finishDeployment(d.id, { state: 'succeeded' }, T0 + 2);
      assert.equal((await store().getModelVersion('chat', 'production'))!.version, 3);
      assert.match(done.reason ?? '', /chat@production was moved to version 3 meanwhile: left there/);
    });

    it('a rollback moves back an alias that went first, so alias and target agree', async () => {
      await modelWithVersions(store(), 2);
      await store().saveDeployTarget(targetSpec(), 'ci', T0);
      const first = await store().requestDeployment({ target: 'serve', model: 'chat', version: 1, requestedBy: 'ci', moveAlias: { alias: 'production', expectedFrom: null } }, T0);
      await store().finishDeployment(first.id, { state: 'succeeded' }, T0 + 1);
      await store().moveAlias({ model: 'chat', alias: 'production', version: 2, by: 'ana', reason: null }, T0 + 2);
      const follow = await store().requestDeployment({ target: 'serve', model: 'chat', version: 2, requestedBy: 'system', cause: 'alias production moved by ana' }, T0 + 3);
      const ended = await store().finishDeployment(follow.id, { state: 'rolled-back', reason: "check: smoke answer '' does not match /\\w/", step: 'check' }, T0 + 4);
      assert.deepEqual([ended.state, ended.failedStep, ended.reason], ['rolled-back', 'check', "check: smoke answer '' does not match /\\w/"]);
      assert.equal((await store().getDeployTarget('serve'))!.current!.version, 1);
      const alias = (await store().listAliases('chat'))[0];
      assert.deepEqual([alias.version, alias.movedBy], [1, 'system']);
      assert.match(alias.reason ?? '', /deployment 2 of version 2 on serve rolled back: check: smoke/);
    });

    it('refuses deployments of unknown targets, versions and other models', async () => {
      await modelWithVersions(store(), 1);
      await store().createModel({ name: 'other' }, 'ci', T0);
      await store().saveDeployTarget(targetSpec(), 'ci', T0);
      await assert.rejects(store().requestDeployment({ target: 'nope', model: 'chat', version: 1, requestedBy: 'ci' }, T0), NotFoundError);
      await assert.rejects(store().requestDeployment({ target: 'serve', model: 'chat', version: 9, requestedBy: 'ci' }, T0), NotFoundError);
      await assert.rejects(store().requestDeployment({ target: 'serve', model: 'other', version: 1, requestedBy: 'ci' }, T0), ValidationError);
    });

    it('lists deployments newest first and in flight oldest first; protects served and staged checkpoints', async () => {
      const { jobId, checkpointIds } = await modelWithVersions(store(), 3);
      await store().saveDeployTarget(targetSpec(), 'ci', T0);
      await store().saveDeployTarget(targetSpec({ name: 'canary' }), 'ci', T0);
      const a = await store().requestDeployment({ target: 'serve', model: 'chat', version: 1, requestedBy: 'ci' }, T0);
      await store().finishDeployment(a.id, { state: 'succeeded' }, T0 + 1);
      const b = await store().requestDeployment({ target: 'serve', model: 'chat', version: 2, requestedBy: 'ci' }, T0 + 2);
      const c = await store().requestDeployment({ target: 'canary', model: 'chat', version: 3, requestedBy: 'ci' }, T0 + 3);
      assert.deepEqual((await store().listDeployments()).map((d) => d.id), [c.id, b.id, a.id]);
      assert.deepEqual((await store().listDeployments({ target: 'serve', limit: 1 })).map((d) => d.id), [b.id]);
      assert.deepEqual((await store().inFlightDeployments()).map((d) => d.id), [b.id, c.id]);
      const protections = await store().deploymentProtections(jobId);
      assert.deepEqual(protections.get(checkpointIds[0]), ['deployed on serve (chat v1)', `deployment ${b.id} to serve may revert to it (chat v1)`]);
      assert.deepEqual(protections.get(checkpointIds[1]), [`deployment ${b.id} to serve in flight (chat v2)`]);
      assert.deepEqual(protections.get(checkpointIds[2]), [`deployment ${c.id} to canary in flight (chat v3)`]);
      assert.equal((await store().deploymentProtections(jobId + 1)).size, 0);
    });
  });
}
