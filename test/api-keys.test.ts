/**
 * API keys end to end: `trainyard key create/ls/revoke` through a real server, the key file it
 * keeps (<data>/deploy/keys.json, 0600), and a real serving process reading it: a key works, a
 * key for another target does not, a revoked key stops working within seconds.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeCharLmCheckpoint } from './fixtures/char-lm-checkpoint.ts';
import { cliJson, REPO, runCli, tempDir, useServer, waitFor } from './harness.ts';

/** Runs the CLI with `home` as TRAINYARD_HOME. */
const cli = (home: string, args: string[]) => runCli(args, { home });

describe('API keys through a real server', { timeout: 120_000 }, () => {
  const server = useServer();
  let serving: ChildProcess | null = null;
  let base = '';
  const keysFile = () => join(server().dataDir, 'deploy', 'keys.json');
  const complete = async (key: string) => (await fetch(`${base}/v1/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', prompt: 'The ', max_tokens: 5 }),
  })).status;

  before(async () => {
    const dir = join(server().dataDir, 'deploy', 'chat-prod');
    mkdirSync(dir, { recursive: true });
    const checkpoint = await writeCharLmCheckpoint(tempDir(), 'v1.bin', 1, 2);
    serving = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'serving', 'main.ts'), '--dir', dir, '--port', '0', '--model', 'chat',
      '--backend', join(REPO, 'examples', 'char-lm', 'serve-backend.ts'), '--version', '1', '--path', checkpoint], { cwd: REPO, stdio: 'ignore' });
    const state = await waitFor(() => {
      try {
        const s = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
        return s.pid === serving!.pid ? s : null;
      } catch {
        return null;
      }
    }, { timeoutMs: 30_000, what: 'the serving process' });
    base = `http://127.0.0.1:${state.port}`;
  });
  after(() => {
    serving?.kill('SIGKILL');
  });

  it('the server writes an empty key file (0600) at start', () => {
    assert.deepEqual(JSON.parse(readFileSync(keysFile(), 'utf8')), { version: 1, keys: [] });
    assert.equal(statSync(keysFile()).mode & 0o777, 0o600);
  });

  it('key create prints the key once; key ls lists it without its secret; the serving process takes it; revoke stops it', async () => {
    const home = server().dataDir;
    const plain = await cli(home, ['key', 'create', 'mobile app']);
    assert.equal(plain.code, 0, plain.stderr);
    const key = plain.stdout.trim();
    assert.match(key, /^tyk_[0-9a-f]{16}_\S+$/);
    assert.match(plain.stderr, /for every target: keep it now, it is not shown again/);
    const id = key.split('_')[1];

    const scoped = cliJson(await cli(home, ['key', 'create', 'other', '--target', 'elsewhere', '--json']));
    assert.deepEqual([scoped.name, scoped.target, scoped.revokedAt], ['other', 'elsewhere', null]);
    assert.match(scoped.key, /^tyk_/);

    const listed = cliJson(await cli(home, ['key', 'ls', '--json'])).keys;
    assert.deepEqual(listed.map((k: any) => [k.id, k.name, k.target]), [[id, 'mobile app', null], [scoped.id, 'other', 'elsewhere']]);
    assert.ok(listed.every((k: any) => !('key' in k) && !('hash' in k)), 'no secrets listed');
    const table = await cli(home, ['key', 'ls']);
    assert.match(table.stdout, new RegExp(`${id}\\s+mobile app\\s+\\(all\\)`));

    await waitFor(async () => (await complete(key)) === 200, { timeoutMs: 10_000, what: 'the new key to work' });
    assert.equal(await complete(scoped.key), 401, 'a key for another target');

    const revoked = cliJson(await cli(home, ['key', 'revoke', id, '--json']));
    assert.equal(typeof revoked.revokedAt, 'number');
    await waitFor(async () => (await complete(key)) === 401, { timeoutMs: 10_000, what: 'the revoked key to be refused' });
    assert.equal(JSON.parse(readFileSync(keysFile(), 'utf8')).keys.length, 1);

    const events = await server().api('/api/v1/events?types=api_key.created,api_key.revoked');
    assert.deepEqual(events.body.events.map((e: any) => [e.type, e.data.id]), [['api_key.created', id], ['api_key.created', scoped.id], ['api_key.revoked', id]]);
    assert.match((await cli(home, ['key', 'revoke', 'nope'])).stderr, /16 hex digits/);
  });

  it('only admin tokens may make, list or revoke keys', async () => {
    const read = await server().api('/api/v1/tokens', { body: { role: 'read' } });
    assert.equal((await server().api('/api/v1/keys', { token: read.body.token })).status, 403);
    assert.equal((await server().api('/api/v1/keys', { body: { name: 'x' }, token: read.body.token })).status, 403);
    const bad = await server().api('/api/v1/keys', { body: { name: '' } });
    assert.equal(bad.status, 400);
    assert.equal((await server().api('/api/v1/keys/00000000000000ff', { method: 'DELETE' })).status, 404);
  });
});
