/**
 * The serving program as a real process (node --import tsx src/serving/main.ts) with the char-lm
 * backend and real checkpoints: keys, completions, a checkpoint it cannot load, and a hot
 * reload under a loop of concurrent requests.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeCharLmCheckpoint } from '../../test/fixtures/char-lm-checkpoint.ts';
import { keysFileOf } from '../core/api-keys.ts';

const REPO = resolve(import.meta.dirname, '..', '..');
const BACKEND = join(REPO, 'examples', 'char-lm', 'serve-backend.ts');

function makeKey(target: string | null) {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, key: `tyk_${id}_${secret}`, hash: createHash('sha256').update(secret).digest('hex'), target };
}

function writeKeys(path: string, keys: ReturnType<typeof makeKey>[]): void {
  const file = keysFileOf(keys.map((k) => ({ ...k, name: k.id, createdAt: 0, revokedAt: null, createdBy: 'test' })));
  writeFileSync(`${path}.tmp`, JSON.stringify(file), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe('serving program (char-lm backend)', () => {
  const root = mkdtempSync(join(tmpdir(), 'trainyard-serving-'));
  const dir = join(root, 'deploy', 'chat');
  const keysPath = join(root, 'deploy', 'keys.json');
  const good = makeKey(null);
  const revoked = makeKey(null);
  const otherTarget = makeKey('elsewhere');
  let child: ChildProcess;
  let base = '';
  let secret = '';
  let v1 = '';
  let v2 = '';

  const call = async (method: string, path: string, body?: unknown, token: string | null = good.key) => {
    const response = await fetch(base + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const complete = (model: string, token: string | null = good.key) => call('POST', '/v1/completions', { model, prompt: 'The engine ', max_tokens: 24, temperature: 0.8, seed: 7 }, token);

  before(async () => {
    mkdirSync(dir, { recursive: true });
    v1 = await writeCharLmCheckpoint(root, 'v1.bin', 1);
    v2 = await writeCharLmCheckpoint(root, 'v2.bin', 2);
    writeFileSync(join(root, 'broken.bin'), 'TYCHARLM\u0005\u0000\u0000\u0000{"no');
    writeKeys(keysPath, [good, revoked, otherTarget]);
    child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'serving', 'main.ts'),
      '--dir', dir, '--port', '0', '--model', 'chat', '--backend', BACKEND, '--version', '1', '--path', v1], { cwd: REPO, stdio: 'ignore' });
    const state = await waitFor(async () => {
      const s = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
      return s.pid === child.pid ? s : null;
    }, 'state.json');
    base = `http://127.0.0.1:${state.port}`;
    secret = readFileSync(join(dir, 'admin-secret'), 'utf8').trim();
  });
  after(() => {
    child?.kill('SIGKILL');
  });

  it('answers an OpenAI-style completion, and /v1/models, /health, /metrics', async () => {
    const answer = await complete('chat');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.object, 'text_completion');
    assert.equal(answer.body.model, 'chat');
    assert.equal(answer.body.system_fingerprint, 'chat@v1');
    assert.equal(answer.body.choices[0].text.length, 24);
    assert.equal(answer.body.choices[0].finish_reason, 'length');
    assert.deepEqual(answer.body.usage, { prompt_tokens: 11, completion_tokens: 24, total_tokens: 35 });
    assert.equal((await complete('chat')).body.choices[0].text, answer.body.choices[0].text, 'same seed, same answer');

    const models = await call('GET', '/v1/models');
    assert.deepEqual(models.body.data.map((m: any) => m.id), ['chat', 'chat@v1']);
    const health = await call('GET', '/health', undefined, null);
    assert.equal(health.status, 200);
    assert.deepEqual([health.body.status, health.body.model, health.body.version], ['ok', 'chat', 1]);
    const metrics = await call('GET', '/metrics', undefined, null);
    assert.ok(metrics.body.requests >= 2);
    assert.equal(metrics.body.errors, 0);
    assert.equal(typeof metrics.body.latencyMs.median, 'number');
  });

  it('refuses a missing, wrong, revoked or other-target key with 401; the admin routes need the admin secret', async () => {
    assert.equal((await complete('chat', null)).status, 401);
    assert.equal((await complete('chat', `tyk_${good.id}_${'x'.repeat(43)}`)).status, 401);
    assert.equal((await complete('chat', 'not-a-key')).status, 401);
    const other = await complete('chat', otherTarget.key);
    assert.equal(other.status, 401);
    assert.match(other.body.error.message, /for target "elsewhere", not "chat"/);
    assert.equal((await call('GET', '/v1/models', undefined, null)).status, 401);
    assert.equal((await call('POST', '/admin/switch', { version: 1 }, good.key)).status, 401);

    assert.equal((await complete('chat', revoked.key)).status, 200);
    writeKeys(keysPath, [good, otherTarget]);
    await waitFor(async () => (await complete('chat', revoked.key)).status === 401, 'the revoked key to be refused', 10_000);
    assert.equal((await complete('chat', good.key)).status, 200);
  });

  it('answers 422 with the reason for a checkpoint it cannot load, and keeps serving', async () => {
    const staged = await call('POST', '/admin/stage', { version: 9, path: join(root, 'broken.bin') }, secret);
    assert.equal(staged.status, 422);
    assert.equal(staged.body.error.code, 'bad_checkpoint');
    assert.match(staged.body.error.message, /version 9 \(.*broken\.bin\) could not be loaded/);
    const missing = await call('POST', '/admin/reload', { version: 9, path: join(root, 'nope.bin') }, secret);
    assert.equal(missing.status, 422);
    assert.match(missing.body.error.message, /nope\.bin.*ENOENT|ENOENT.*nope\.bin/);
    const answer = await complete('chat');
    assert.equal(answer.status, 200);
    assert.equal(answer.body.system_fingerprint, 'chat@v1');
    assert.equal((await complete('chat@v9')).status, 404);
    assert.equal((await call('POST', '/admin/stage', { version: 'two' }, secret)).status, 400);
    const other = await call('POST', '/admin/stage', { version: 2, path: v2, model: 'other' }, secret);
    assert.equal(other.status, 400);
    assert.match(other.body.error.message, /model: this process serves "chat", not "other"/);
  });

  it('reloads hot: no request of a concurrent loop fails, and requests after the switch get the new version', async () => {
    const staged = await call('POST', '/admin/stage', { version: 2, path: v2 }, secret);
    assert.equal(staged.status, 200, JSON.stringify(staged.body));
    const v2Text = (await complete('chat@v2')).body.choices[0].text;
    const v1Text = (await complete('chat@v1')).body.choices[0].text;
    assert.notEqual(v2Text, v1Text, 'the two versions answer differently');
    assert.equal((await complete('chat')).body.system_fingerprint, 'chat@v1', 'staging does not serve it');

    let switched = false;
    let stop = false;
    const failures: string[] = [];
    const afterSwitch: string[] = [];
    const worker = async () => {
      while (!stop) {
        const startedAfterSwitch = switched;
        try {
          const answer = await complete('chat');
          if (answer.status !== 200) failures.push(`${answer.status} ${JSON.stringify(answer.body)}`);
          else if (startedAfterSwitch) afterSwitch.push(answer.body.choices[0].text);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await new Promise((done) => setTimeout(done, 300));
    // The body an http-reload target sends: model, step and metadata beside version and path.
    const reload = await call('POST', '/admin/reload', { model: 'chat', version: 2, path: v2, step: 20, metadata: { seed: 2 } }, secret);
    assert.equal(reload.status, 200);
    switched = true;
    await waitFor(async () => afterSwitch.length >= 20, '20 answers after the switch');
    stop = true;
    await Promise.all(workers);
    assert.deepEqual(failures, []);
    assert.ok(afterSwitch.every((text) => text === v2Text), 'every request started after the switch got v2');
    assert.equal(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).version, 2);
    const health = await call('GET', '/health', undefined, null);
    assert.equal(health.body.version, 2);

    assert.equal((await call('POST', '/admin/unload', { version: 2 }, secret)).status, 409, 'the serving version cannot be unloaded');
    const unloaded = await call('POST', '/admin/unload', { version: 1 }, secret);
    assert.deepEqual([unloaded.status, unloaded.body.unloaded], [200, true]);
    assert.equal((await complete('chat@v1')).status, 404);
  });
});
