import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SmokeCheck } from '../core/deployment.ts';
import { probeCompletions } from './probe.ts';
import { type ReloadServer, startReloadServer } from './targets/http-reload/reload-server.fixture.ts';

const smoke: SmokeCheck = { prompt: 'Once', expect: { contains: 'upon', minLength: 8 } };

describe('probeCompletions', () => {
  let server: ReloadServer;
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-probe-'));
  const weights = join(dir, 'weights');
  const probe = (extra: Partial<Parameters<typeof probeCompletions>[0]> = {}) =>
    probeCompletions({ baseUrl: server.baseUrl, model: 'chat', smoke, apiKey: 'k', timeoutMs: 5000, ...extra });

  before(async () => {
    server = await startReloadServer({ apiKey: 'k' });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the completions request when nothing answers it', async () => {
    const result = await probe();
    assert.equal(result.ok, false);
    assert.match(result.detail, /^smoke: POST http:\/\/127\.0\.0\.1:\d+\/v1\/completions answered 503: \{"error":"no model loaded"\} \(model "chat"\)$/);
  });

  it('passes a healthy server whose answer has the expected property, with its text and latency', async () => {
    writeFileSync(weights, ' upon a time');
    await fetch(server.url, { method: 'POST', headers: { authorization: 'Bearer k' }, body: JSON.stringify({ version: 1, path: weights }) });
    const result = await probe();
    assert.equal(result.ok, true, result.detail);
    assert.equal(result.text, ' upon a time');
    assert.equal(result.detail, 'smoke: answer " upon a time" (12 characters) as expected');
    assert.ok(result.latencyMs >= 0);
  });

  it('accepts a base URL ending in /v1, as OpenAI clients write it', async () => {
    assert.equal((await probe({ baseUrl: `${server.baseUrl}/v1/` })).ok, true);
  });

  it('reports the smoke expectation that failed', async () => {
    const result = await probe({ smoke: { prompt: 'Once', expect: { contains: 'dragon' } } });
    assert.deepEqual([result.ok, result.detail], [false, 'smoke: answer " upon a time" does not contain "dragon"']);
  });

  it('reports an unhealthy server, a refused key and a server that is not there', async () => {
    server.setHealthy(false);
    try {
      assert.match((await probe()).detail, /^health: GET http:\/\/127\.0\.0\.1:\d+\/health answered 503: \{"status":"unhealthy"\}$/);
    } finally {
      server.setHealthy(true);
    }
    assert.match((await probe({ apiKey: 'wrong' })).detail, /^health: GET .*\/health answered 401/);
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const port = (gone.address() as AddressInfo).port;
    await new Promise<void>((resolve) => gone.close(() => resolve()));
    const refused = await probe({ baseUrl: `http://127.0.0.1:${port}` });
    assert.equal(refused.detail, `health: GET http://127.0.0.1:${port}/health: connection refused (is the server running?)`);
  });

  it('gives up on a server that does not answer, saying after how long', async () => {
    const silent = createServer(() => { /* never answers */ });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const result = await probe({ baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, timeoutMs: 200 });
      assert.match(result.detail, /^health: GET .*\/health: no answer within 200 ms$/);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('checks health alone without a smoke check, and the smoke alone without a health path', async () => {
    assert.deepEqual(await probe({ smoke: null }).then((r) => [r.ok, r.detail]), [true, 'health: /health ok; no smoke check declared']);
    assert.equal((await probe({ healthPath: null })).ok, true);
    assert.match((await probe({ healthPath: '/nope', smoke: null })).detail, /^health: GET .*\/nope answered 404/);
  });
});
