import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createEventLog, type EventLog } from '../control/event-log.ts';
import { DEFAULT_WATCH, type Deployment, FINAL_DEPLOYMENT_STATES } from '../core/deployment.ts';
import { ConflictError, ValidationError } from '../core/errors.ts';
import { modelWithVersions, targetSpec } from '../store/contract/deployment-contract.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { createDeployer, type Deployer } from './deployer.ts';
import { createFakeBackend, createFakeTargetKind, type FakeBackend } from './fake-target.ts';

const T0 = 1_700_000_000_000;
const watch = { ...DEFAULT_WATCH, windowSeconds: 3, intervalSeconds: 1 };

describe('deployer', () => {
  let store: Store;
  let backend: FakeBackend;
  let canary: FakeBackend;
  let events: EventLog;
  let deployer: Deployer;
  let clock = T0;
  const dataDir = mkdtempSync(join(tmpdir(), 'trainyard-deployer-'));
  const lines: string[] = [];

  function open(): void {
    events = createEventLog({ store, now: () => clock, log: (l) => lines.push(l), pollMs: 20, retryMs: 20 });
    deployer = createDeployer({
      store,
      control: { events },
      now: () => clock++,
      log: (l) => lines.push(l),
      dataDir,
      kindOf: () => createFakeTargetKind((name) => (name === 'canary' ? canary : backend)),
      sleep: async () => {},
    });
    deployer.subscribe();
    events.start();
  }

  async function close(): Promise<void> {
    await deployer.close();
    await events.close();
  }

  beforeEach(async () => {
    store = await createSqliteStore(':memory:');
    backend = createFakeBackend();
    canary = createFakeBackend();
    lines.length = 0;
    await modelWithVersions(store, 3);
    open();
  });
  afterEach(async () => {
    await close();
    await store.close();
  });

  async function ended(id: number): Promise<Deployment> {
    for (let i = 0; i < 500; i++) {
      await deployer.idle();
      const d = await store.getDeployment(id);
      if (d && FINAL_DEPLOYMENT_STATES.includes(d.state)) return d;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`deployment ${id} did not end: ${lines.join('\n')}`);
  }

  const production = async () => (await store.getModelVersion('chat', 'production'))?.version ?? null;

  /** v1 on `serve`, production at v1. */
  async function served(): Promise<void> {
    await deployer.saveTarget(targetSpec({ watch }), 'ci');
    const first = await deployer.deploy({ target: 'serve', model: 'chat', version: 1, by: 'ci' });
    assert.equal((await ended(first.id)).state, 'succeeded');
    backend.calls.length = 0;
  }

  it('stages, checks, switches, watches, then moves the alias', async () => {
    await served();
    assert.equal(await production(), 1);
    const d = await deployer.deploy({ target: 'serve', model: 'chat', version: 2, by: 'ana', reason: 'better' });
    assert.equal(d.state, 'requested');
    const done = await ended(d.id);
    assert.equal(done.state, 'succeeded');
    assert.deepEqual(backend.calls, ['stage 2', 'check 2', 'switch 2', 'probe', 'probe', 'probe']);
    assert.equal(await production(), 2);
    assert.deepEqual(Object.keys(done.steps), ['requested', 'staging', 'checking', 'switching', 'watching', 'succeeded']);
    const move = (await store.listAliasMoves('chat', 'production')).at(-1)!;
    assert.deepEqual([move.from, move.to, move.by], [1, 2, 'ana']);
  });

  it('a failing smoke check rolls back before the switch; the alias stays', async () => {
    await served();
    backend.broken.set(2, "smoke answer '' does not match /\\w/");
    const done = await ended((await deployer.deploy({ target: 'serve', model: 'chat', version: 2, by: 'ci' })).id);
    assert.deepEqual([done.state, done.failedStep, done.reason], ['rolled-back', 'check', "check: smoke answer '' does not match /\\w/"]);
    assert.deepEqual(backend.calls, ['stage 2', 'check 2', 'stage 1', 'switch 1', 'retire 2']);
    assert.deepEqual(backend.serving, { model: 'chat', version: 1 });
    assert.equal(await production(), 1);
    assert.equal((await store.getDeployTarget('serve'))!.current!.version, 1);
  });

  it('a probe that fails during the watch rolls back at that probe (within one interval)', async () => {
    await served();
    let probes = 0;
    backend.onProbe = () => {
      if (++probes === 1) backend.broken.set(2, 'health: connection refused');
    };
    const done = await ended((await deployer.deploy({ target: 'serve', model: 'chat', version: 2, by: 'ci' })).id);
    assert.equal(done.state, 'rolled-back');
    assert.equal(done.failedStep, 'watch');
    assert.match(done.reason!, /^watch: probe 1 of 3 failed .*health: connection refused/);
    assert.equal(backend.calls.filter((c) => c === 'probe').length, 1, 'no probe after the first failed one');
    assert.deepEqual(backend.serving, { model: 'chat', version: 1 });
    assert.equal(await production(), 1);
  });

  it('a failed stage or switch rolls back naming the step; a failed revert fails with both reasons', async () => {
    await served();
    backend.failStage.set(2, 'no space left on device');
    let done = await ended((await deployer.deploy({ target: 'serve', model: 'chat', version: 2, by: 'ci' })).id);
    assert.deepEqual([done.state, done.reason], ['rolled-back', 'stage: no space left on device']);
    backend.failSwitch.set(3, 'reload endpoint answered 500');
    backend.failSwitch.set(1, 'reload endpoint answered 500');
    done = await ended((await deployer.deploy({ target: 'serve', model: 'chat', version: 3, by: 'ci' })).id);
    assert.equal(done.state, 'failed');
    assert.equal(done.reason, 'switch: reload endpoint answered 500; revert to version 1 failed: reload endpoint answered 500');
  });

  it('follows a person\'s alias move; a failing version is reverted and the alias moved back', async () => {
    await served();
    await store.moveAlias({ model: 'chat', alias: 'production', version: 2, by: 'ana', reason: 'try it' }, clock);
    await until(async () => (await store.getDeployTarget('serve'))!.current!.version === 2);
    const followed = (await store.listDeployments({ target: 'serve', limit: 1 }))[0];
    assert.deepEqual([followed.requestedBy, followed.moveAlias, followed.cause], ['system', null, 'production moved to version 2 by ana: try it']);

    backend.broken.set(3, 'smoke: answer has 0 characters, expected ≥ 8');
    await store.moveAlias({ model: 'chat', alias: 'production', version: 3, by: 'ana', reason: null }, clock);
    await until(async () => (await store.listDeployments({ target: 'serve', limit: 1 }))[0].version === 3);
    const failed = await ended((await store.listDeployments({ target: 'serve', limit: 1 }))[0].id);
    assert.equal(failed.state, 'rolled-back');
    await until(async () => (await production()) === 2);
    const back = (await store.listAliasMoves('chat', 'production')).at(-1)!;
    assert.deepEqual([back.from, back.to, back.by], [3, 2, 'system']);
    assert.match(back.reason!, /rolled back: check: smoke: answer has 0 characters/);
    await deployer.idle();
    assert.equal((await store.listDeployments({ target: 'serve' })).length, 3, 'the move back is not deployed again: the target serves it');
  });

  it('promotion to two targets: one fails, the alias goes back and the other follows it back', async () => {
    await deployer.saveTarget(targetSpec({ watch }), 'ci');
    await deployer.saveTarget(targetSpec({ name: 'canary', watch }), 'ci');
    const firstA = await deployer.deploy({ target: 'serve', model: 'chat', version: 1, by: 'ci' });
    await ended(firstA.id);
    await until(async () => (await store.getDeployTarget('canary'))!.current?.version === 1);
    await deployer.idle();
    // The promoter's request; serve succeeds and moves production to 2; canary follows and fails.
    canary.broken.set(2, 'health: 503');
    const serveD = await store.requestDeployment({ target: 'serve', model: 'chat', version: 2, requestedBy: 'system', moveAlias: { alias: 'production', expectedFrom: 1 } }, clock);
    assert.equal((await ended(serveD.id)).state, 'succeeded');
    await until(async () => (await store.listDeployments({ target: 'canary', limit: 1 }))[0].version === 2);
    const canaryD = (await store.listDeployments({ target: 'canary', limit: 1 }))[0];
    assert.equal((await ended(canaryD.id)).state, 'rolled-back');
    await until(async () => (await production()) === 1 && (await store.getDeployTarget('serve'))!.current!.version === 1);
    assert.deepEqual([backend.serving, canary.serving], [{ model: 'chat', version: 1 }, { model: 'chat', version: 1 }]);
    const history = (await store.listAliasMoves('chat', 'production')).map((m) => [m.from, m.to, m.by]);
    assert.deepEqual(history.slice(-2), [[1, 2, 'system'], [2, 1, 'system']]);
  });

  it('runs a deployment a restart found mid-way again from stage, and moves the alias', async () => {
    await served();
    // The server died during the watch: v2 serves, the alias has not moved.
    await close();
    const d = await store.requestDeployment({ target: 'serve', model: 'chat', version: 2, requestedBy: 'ci', moveAlias: { alias: 'production', expectedFrom: 1 } }, clock);
    for (const state of ['staging', 'checking', 'switching', 'watching'] as const) await store.advanceDeployment(d.id, state, clock);
    backend.serving = { model: 'chat', version: 2 };
    backend.calls.length = 0;
    open();
    await deployer.start();
    const done = await ended(d.id);
    assert.equal(done.state, 'succeeded');
    assert.deepEqual(backend.calls.slice(0, 4), ['open', 'stage 2', 'check 2', 'switch 2']);
    assert.equal(await production(), 2);
    assert.equal((await store.getDeployTarget('serve'))!.current!.version, 2);
  });

  it('rolls back by hand to the version served before; refuses when there is none', async () => {
    await deployer.saveTarget(targetSpec({ watch }), 'ci');
    await ended((await deployer.deploy({ target: 'serve', model: 'chat', version: 1, by: 'ci' })).id);
    await assert.rejects(deployer.rollback('serve', { by: 'ci' }), ConflictError);
    await ended((await deployer.deploy({ target: 'serve', model: 'chat', version: 3, by: 'ci' })).id);
    const rollback = await deployer.rollback('serve', { by: 'ana', reason: 'answers got worse' });
    assert.equal(rollback.version, 1);
    assert.equal(rollback.cause, 'rollback from version 3 by ana: answers got worse');
    assert.equal((await ended(rollback.id)).state, 'succeeded');
    assert.equal(await production(), 1);
    assert.deepEqual(backend.serving, { model: 'chat', version: 1 });
  });

  it('checks a target\'s config with its kind and refuses removing a busy target', async () => {
    await assert.rejects(deployer.saveTarget(targetSpec({ config: { bad: 1 } }), 'ci'), (e: unknown) => e instanceof ValidationError && e.field === 'config.bad');
    await served();
    const d = await store.requestDeployment({ target: 'serve', model: 'chat', version: 2, requestedBy: 'ci' }, clock);
    await assert.rejects(deployer.removeTarget('serve', 'ci'), ConflictError);
    await ended(d.id);
    await deployer.removeTarget('serve', 'ci');
    assert.equal(await store.getDeployTarget('serve'), null);
  });
});

async function until(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
