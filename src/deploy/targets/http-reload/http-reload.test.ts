import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { DeployTargetSpec, SmokeCheck } from '../../../core/deployment.ts';
import type { DeployVersion, TargetContext } from '../../target.ts';
import { runTargetContract } from '../contract.ts';
import { httpReloadTarget } from './index.ts';
import { type ReloadServer, startReloadServer } from './reload-server.fixture.ts';

const smoke: SmokeCheck = { prompt: 'Once', expect: { contains: 'once upon', minLength: 8 } };

function spec(config: Record<string, unknown>): DeployTargetSpec {
  return { name: 'web', kind: 'http-reload', model: 'chat', alias: 'production', config, smoke, watch: { windowSeconds: 0, intervalSeconds: 5, maxErrorRate: 0, maxLatencyMs: null } };
}

function version(n: number, dir: string): DeployVersion {
  const path = join(dir, `weights-v${n}.txt`);
  writeFileSync(path, `v${n}: once upon a time`);
  return { model: 'chat', version: n, checkpointId: 10 + n, path, step: 100 * n, metadata: { job: 1 } };
}

const servers: ReloadServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});
const start = async (options: Parameters<typeof startReloadServer>[0]) => {
  const s = await startReloadServer(options);
  servers.push(s);
  return s;
};

for (const reportVersion of [false, true]) {
  const server = await start({ apiKey: 'secret', reportVersion });
  runTargetContract(`http-reload${reportVersion ? ' (health reports the version)' : ''}`, {
    create: (context) => httpReloadTarget.create(spec({ url: server.url, baseUrl: server.baseUrl, apiKey: 'secret' }), context),
    version, smoke, servesOnStage: true,
    serving: async () => server.loaded()?.version ?? null,
  });
}

describe('http-reload', () => {
  const root = mkdtempSync(join(tmpdir(), 'trainyard-http-reload-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const context = (name: string): TargetContext => ({ dir: join(root, name), dataDir: root, log: () => {} });

  it('refuses a config naming the field, what was expected and what came', () => {
    const parse = (config: unknown) => () => httpReloadTarget.parseConfig(config);
    assert.throws(parse({ baseUrl: 'http://h' }), { message: 'config.url: is required (expected a string)', field: 'config.url' });
    assert.throws(parse({ url: 'ftp://h/reload', baseUrl: 'http://h' }), { message: 'config.url: expected an http:// or https:// URL, got the string "ftp://h/reload"' });
    assert.throws(parse({ url: 'http://h/reload', baseUrl: 'http://h', timeoutSeconds: '5' }), { message: 'config.timeoutSeconds: expected a number, got the string "5"' });
    assert.throws(parse({ url: 'http://h/reload', baseUrl: 'http://h', healthpath: '/h' }), { message: 'config.healthpath: unknown field healthpath' });
    assert.deepEqual(httpReloadTarget.parseConfig({ url: 'http://h/reload', baseUrl: 'http://h' }), { url: 'http://h/reload', baseUrl: 'http://h', healthPath: '/health', headers: {}, timeoutSeconds: 60 });
  });

  it('POSTs the version as JSON with the key and headers, and says why a reload was refused', async () => {
    const server = await start({ apiKey: 'secret' });
    const target = httpReloadTarget.create(spec({ url: server.url, baseUrl: server.baseUrl, apiKey: 'secret', headers: { 'x-team': 'a' } }), context('post'));
    const v1 = version(1, root);
    await target.stage(v1);
    assert.deepEqual(server.reloads, [{ model: 'chat', version: 1, path: v1.path, step: 100, metadata: { job: 1 } }]);
    assert.equal(server.reloadHeaders[0]['x-team'], 'a');
    const missing = { ...v1, version: 2, path: join(root, 'nope') };
    await assert.rejects(target.stage(missing), (error: Error & { step?: string; code?: string }) => {
      assert.equal(error.code, 'deploy_target_failed');
      assert.equal(error.step, 'stage');
      assert.match(error.message, /^stage: the reload endpoint refused version 2: POST http:\/\/127\.0\.0\.1:\d+\/reload answered 422: \{"error":"cannot load .*nope: ENOENT/);
      return true;
    });
    assert.deepEqual(await target.current(), { model: 'chat', version: 1 });
  });

  it('believes the version the endpoint reports over its own record, and checks that the reload took', async () => {
    const server = await start({ reportVersion: true });
    const target = httpReloadTarget.create(spec({ url: server.url, baseUrl: server.baseUrl }), context('reported'));
    const v1 = version(1, root);
    await target.stage(v1);
    // Someone else reloads the endpoint behind the target's back.
    await fetch(server.url, { method: 'POST', body: JSON.stringify({ version: 7, path: v1.path }) });
    assert.deepEqual(await target.current(), { model: 'chat', version: 7 });
    const checked = await target.check(v1, smoke);
    assert.deepEqual([checked.ok, checked.detail], [false, 'health: the endpoint reports version 7, expected 1 (did the reload take?)']);
    await target.switch(v1);
    assert.equal(server.loaded()?.version, 1);
  });
});
