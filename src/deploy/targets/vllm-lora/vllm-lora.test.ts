import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { DeployTargetSpec, SmokeCheck } from '../../../core/deployment.ts';
import type { DeployVersion, TargetContext } from '../../target.ts';
import { runTargetContract } from '../contract.ts';
import { vllmLoraTarget } from './index.ts';
import { startVllmServer, type VllmServer } from './vllm-server.fixture.ts';

const smoke: SmokeCheck = { prompt: 'Once', expect: { contains: 'once upon', differsFromBase: true } };

function spec(config: Record<string, unknown>, name = 'gpu'): DeployTargetSpec {
  return { name, kind: 'vllm-lora', model: 'chat', alias: 'production', config, smoke, watch: { windowSeconds: 0, intervalSeconds: 5, maxErrorRate: 0, maxLatencyMs: null } };
}

function version(n: number, dir: string): DeployVersion {
  const path = join(dir, `adapter-v${n}`);
  writeFileSync(path, `v${n}: once upon a time`);
  return { model: 'chat', version: n, checkpointId: 10 + n, path, step: 100 * n, metadata: {} };
}

const servers: VllmServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});
const start = async (options: Parameters<typeof startVllmServer>[0] = {}) => {
  const s = await startVllmServer(options);
  servers.push(s);
  return s;
};

const contractServer = await start({ baseModel: 'llama', apiKey: 'k' });
runTargetContract('vllm-lora', {
  create: (context) => vllmLoraTarget.create(spec({ baseUrl: contractServer.baseUrl, apiKey: 'k', baseModel: 'llama' }), context),
  version, smoke,
  // What clients reach: the adapter the target names as serving answers with its version's text.
  serving: async (target) => {
    const answer = await fetch(`${contractServer.baseUrl}/v1/completions`, {
      method: 'POST', headers: { authorization: 'Bearer k' },
      body: JSON.stringify({ model: await target.servingName!(), prompt: 'Once' }),
    }).then((r) => r.json() as Promise<{ choices: Array<{ text: string }> }>);
    return Number(/^v(\d+):/.exec(answer.choices[0].text)?.[1] ?? NaN);
  },
});

describe('vllm-lora', () => {
  const root = mkdtempSync(join(tmpdir(), 'trainyard-vllm-lora-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  let dirs = 0;
  const context = (): TargetContext => ({ dir: join(root, `t${++dirs}`), dataDir: root, log: () => {} });
  const target = (server: VllmServer, extra: Record<string, unknown> = {}) =>
    vllmLoraTarget.create(spec({ baseUrl: server.baseUrl, baseModel: 'base', ...extra }), context());

  it('refuses a config naming the field', () => {
    assert.throws(() => vllmLoraTarget.parseConfig({ baseUrl: 'http://gpu:8000' }), { message: 'config.baseModel: is required (expected a string)' });
    assert.throws(() => vllmLoraTarget.parseConfig({ baseUrl: 'http://gpu:8000', baseModel: 'b', adapterPrefix: 'a b' }), { message: /^config\.adapterPrefix: expected letters, digits/ });
  });

  it('loads each version under its own name, asks that name, and names the adapter that serves', async () => {
    const server = await start();
    const t = target(server, { adapterPrefix: 'chat-lora' });
    const v1 = version(1, root);
    await t.stage(v1);
    assert.deepEqual([...server.adapters()], [['chat-lora-v1', v1.path]]);
    const checked = await t.check(v1, smoke);
    assert.equal(checked.ok, true, checked.detail);
    assert.deepEqual(server.completions, ['chat-lora-v1', 'base']);
    assert.equal(await t.servingName!(), null);
    await t.switch(v1);
    assert.equal(await t.servingName!(), 'chat-lora-v1');
    await assert.rejects(t.retire(v1), { message: 'retire: adapter "chat-lora-v1" is the one serving; switch to another version first' });
  });

  it('refuses an adapter that answers like the base model (a stale adapter, vllm#42125)', async () => {
    const server = await start();
    const t = target(server);
    const v1 = version(1, root);
    await t.stage(v1);
    server.simulateStale(true);
    const checked = await t.check(v1, smoke);
    assert.equal(checked.ok, false);
    assert.equal(checked.detail, 'smoke: answer "base: Once" is the base model\'s answer (a stale or unloaded adapter answers like the base model)');
  });

  it('says why vLLM did not load an adapter', async () => {
    const server = await start();
    const missing = { ...version(9, root), path: join(root, 'no-such-adapter') };
    await assert.rejects(target(server).stage(missing), (error: Error) => {
      assert.match(error.message, /^stage: vLLM did not load adapter "chat-v9" from .*no-such-adapter: POST http:\/\/127\.0\.0\.1:\d+\/v1\/load_lora_adapter answered 404: .*No adapter found for /);
      return true;
    });
  });

  it('after vLLM restarts, reports nothing serving, and a switch loads the adapter again', async () => {
    const server = await start();
    const t = target(server);
    const v1 = version(1, root);
    await t.stage(v1);
    await t.switch(v1);
    assert.deepEqual(await t.current(), { model: 'chat', version: 1 });
    // A restarted vLLM has forgotten adapters loaded at run time.
    await fetch(`${server.baseUrl}/v1/unload_lora_adapter`, { method: 'POST', body: JSON.stringify({ lora_name: 'chat-v1' }) });
    assert.equal(await t.current(), null);
    assert.equal((await t.probe(smoke)).ok, false);
    await t.switch(v1);
    assert.deepEqual(await t.current(), { model: 'chat', version: 1 });
    assert.equal((await t.probe(smoke)).ok, true);
  });
});
