/**
 * Token roles and expiry through a real server and the real CLI (docs/tokens.md): a submit token
 * submits and controls its own jobs but not another token's, a deploy token promotes but cannot
 * submit, a read token changes nothing, an expired token is refused naming when, `token ls`
 * shows last use, and no secret (token or serving API key) is stored in plain.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cliJson, REPO, runCli, useServer, waitFor, waitForJob, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');

interface Made { readonly id: string; readonly token: string }

async function makeToken(s: TestServer, role: string, name: string, expiresAt?: number): Promise<Made> {
  const made = await s.api('/api/v1/tokens', { body: { role, name, ...(expiresAt ? { expiresAt } : {}) } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  return made.body;
}

describe('token roles and expiry', { timeout: 180_000 }, () => {
  const server = useServer();

  it('lets a submit token control its own jobs only, a deploy token promote but not submit, and a read token change nothing', async () => {
    const s = server();
    const alice = await makeToken(s, 'submit', 'alice');
    const bob = await makeToken(s, 'submit', 'bob');
    const release = await makeToken(s, 'deploy', 'release');
    const wall = await makeToken(s, 'read', 'wall');

    // Alice submits a sleeper and a job waiting on it (queued until the sleeper ends).
    const sleeper = await s.api('/api/v1/jobs', { token: alice.token, body: { name: 'sleeper', command: 'sleep 60', shell: true, cwd: REPO, stopGraceSeconds: 1 } });
    assert.equal(sleeper.status, 201, JSON.stringify(sleeper.body));
    assert.equal(sleeper.body.createdByToken, alice.id);
    const waiting = await s.api('/api/v1/jobs', { token: alice.token, body: { name: 'waiting', command: ['true'], cwd: REPO, after: [sleeper.body.id] } });
    assert.equal(waiting.status, 201, JSON.stringify(waiting.body));
    const bobs = await s.api('/api/v1/jobs', { token: bob.token, body: { name: 'bobs', command: ['true'], cwd: REPO, after: [sleeper.body.id] } });
    assert.equal(bobs.status, 201);

    // Bob may read Alice's jobs, not change them; Alice may not change Bob's.
    assert.equal((await s.api(`/api/v1/jobs/${waiting.body.id}`, { token: bob.token })).status, 200);
    for (const verb of ['pause', 'resume', 'stop']) {
      const refused = await s.api(`/api/v1/jobs/${waiting.body.id}/${verb}`, { method: 'POST', token: bob.token });
      assert.equal(refused.status, 403, `bob ${verb}`);
      assert.equal(refused.body.error.message, `a submit token may change only the jobs it submitted: job ${waiting.body.id} was not submitted by token ${bob.id}`);
    }
    assert.equal((await s.api(`/api/v1/jobs/${bobs.body.id}/stop`, { method: 'POST', token: alice.token })).status, 403);
    assert.equal((await s.api(`/api/v1/jobs/${waiting.body.id}/priority`, { token: alice.token, body: { priority: 'high' } })).status, 403, 'the queue order stays an admin\'s');

    // Alice pauses, resumes and stops her own.
    const paused = await s.api(`/api/v1/jobs/${waiting.body.id}/pause`, { method: 'POST', token: alice.token });
    assert.deepEqual([paused.status, paused.body.state], [200, 'paused'], JSON.stringify(paused.body));
    const resumed = await s.api(`/api/v1/jobs/${waiting.body.id}/resume`, { method: 'POST', token: alice.token });
    assert.deepEqual([resumed.status, resumed.body.state], [200, 'queued']);
    assert.equal((await s.api(`/api/v1/jobs/${waiting.body.id}/stop`, { method: 'POST', token: alice.token })).status, 200);
    assert.equal((await s.api(`/api/v1/jobs/${sleeper.body.id}/stop`, { method: 'POST', token: alice.token })).status, 200);
    assert.equal((await waitForJob(s, sleeper.body.id, ['stopped'])).state, 'stopped');
    await waitForJob(s, bobs.body.id, ['failed', 'succeeded']);

    // A trained checkpoint for the deploy token to promote.
    const trained = await s.api('/api/v1/jobs', { token: alice.token, body: { name: 'trained', command: [process.execPath, TRAINER, '--steps', '4', '--interval-ms', '1', '--ckpt-every', '2'], cwd: REPO } });
    assert.equal((await waitForJob(s, trained.body.id, ['succeeded', 'failed'])).state, 'succeeded');
    const [checkpoint] = (await s.api(`/api/v1/jobs/${trained.body.id}/checkpoints`)).body.checkpoints;
    assert.equal((await s.api('/api/v1/models', { body: { name: 'scoped' } })).status, 201);

    const before = await snapshot(s);
    const writes: ReadonlyArray<[string, string, unknown?]> = [
      ['POST', '/api/v1/jobs', { command: ['true'], cwd: REPO }],
      ['POST', `/api/v1/jobs/${trained.body.id}/stop`],
      ['POST', `/api/v1/models/scoped/versions`, { checkpointId: checkpoint.id }],
      ['PUT', '/api/v1/models/scoped/aliases/production', { version: 1 }],
      ['POST', '/api/v1/models', { name: 'other' }],
      ['POST', '/api/v1/deployments', { target: 'nowhere', model: 'scoped', version: 1 }],
      ['POST', '/api/v1/tokens', { role: 'read' }],
      ['POST', '/api/v1/keys', { name: 'app' }],
    ];
    for (const [method, path, body] of writes) {
      const answer = await s.api(path, { method, body, token: wall.token });
      assert.equal(answer.status, 403, `read token: ${method} ${path}`);
      assert.match(answer.body.error.message, /^a read token may not do this: it needs /);
    }
    assert.deepEqual(await snapshot(s), before, 'a read token changed nothing');
    assert.equal((await s.api('/api/v1/jobs', { token: wall.token })).status, 200);

    // The deploy token promotes, and may deploy (here to a target that does not exist: 404, not 403).
    const refused = await s.api('/api/v1/jobs', { token: release.token, body: { command: ['true'], cwd: REPO } });
    assert.deepEqual([refused.status, refused.body.error.message], [403, 'a deploy token may not do this: it needs an admin or submit token']);
    assert.equal((await s.api(`/api/v1/jobs/${trained.body.id}/stop`, { method: 'POST', token: release.token })).status, 403);
    assert.equal((await s.api('/api/v1/models', { token: release.token, body: { name: 'other' } })).status, 403, 'making models stays an admin\'s');
    const version = await s.api('/api/v1/models/scoped/versions', { token: release.token, body: { checkpointId: checkpoint.id } });
    assert.equal(version.status, 201, JSON.stringify(version.body));
    const moved = await s.api('/api/v1/models/scoped/aliases/production', { method: 'PUT', token: release.token, body: { version: 1, reason: 'ship it' } });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.move.by, `release (token ${release.id})`);
    assert.equal((await s.api('/api/v1/deployments', { token: release.token, body: { target: 'nowhere', model: 'scoped', version: 1 } })).status, 404);
    assert.equal((await s.api('/api/v1/deployments', { token: alice.token, body: { target: 'nowhere', model: 'scoped', version: 1 } })).status, 403);
    assert.equal((await s.api('/api/v1/deploy/targets/nowhere/rollback', { token: release.token, body: {} })).status, 404);
    assert.deepEqual((await s.api('/api/v1/whoami', { token: release.token })).body, { role: 'deploy', jobId: null, runId: null });
  });

  it('refuses an expired token naming it and when, and shows role, expiry and last use in token ls', async () => {
    const s = server();
    const soon = Date.now() + 1500;
    const brief = await makeToken(s, 'read', 'brief', soon);
    assert.equal((await s.api('/api/v1/jobs', { token: brief.token })).status, 200);
    const expired = await waitFor(async () => {
      const answer = await s.api('/api/v1/jobs', { token: brief.token });
      return answer.status === 401 ? answer.body : null;
    }, { what: 'the token to expire' });
    assert.equal(expired.error.message, `token ${brief.id} expired at ${new Date(soon).toISOString()}`);
    const past = await s.api('/api/v1/tokens', { body: { role: 'read', expiresAt: Date.now() - 1000 } });
    assert.deepEqual([past.status, past.body.error.field], [400, 'expiresAt']);

    const made = await runCli(['token', 'create', '--role', 'submit', '--name', 'carol', '--expires', '30d'], { dataDir: s.dataDir });
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stderr, /^submit token [0-9a-f]{16} \(carol\), expires \d{4}-\d\d-\d\dT[\d:.]+Z: keep it now, it is not shown again/);
    const carol = made.stdout.trim();
    const bad = await runCli(['token', 'create', '--role', 'read', '--expires', '2001-01-01'], { dataDir: s.dataDir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--expires must be a time in the future, not "2001-01-01"/);
    const role = await runCli(['token', 'create', '--role', 'owner'], { dataDir: s.dataDir });
    assert.equal(role.code, 2);
    assert.match(role.stderr, /--role must be one of admin, submit, deploy, read, not "owner"/);

    assert.equal((await s.api('/api/v1/whoami', { token: carol })).status, 200);
    const listed = cliJson(await runCli(['token', 'ls', '--json'], { dataDir: s.dataDir })).tokens;
    const row = listed.find((t: any) => t.name === 'carol');
    assert.equal(row.role, 'submit');
    assert.ok(Math.abs(row.expiresAt - (Date.now() + 30 * 86_400_000)) < 600_000, 'about 30 days from now');
    assert.ok(row.lastUsedAt !== null && row.lastUsedAt <= Date.now(), 'its use is recorded');
    assert.equal(listed.find((t: any) => t.name === 'brief').expiresAt, soon);
    const table = (await runCli(['token', 'ls'], { dataDir: s.dataDir })).stdout;
    assert.match(table, /^ID\s+ROLE\s+NAME\s+CREATED\s+EXPIRES\s+LAST USED$/m);
    assert.match(table, /\bsubmit\s+carol\s+(just now|\S+ ago)\s+in (29|30)d\s+(just now|\S+ ago)$/m);
    assert.match(table, /\bread\s+brief\s+.*expired .* ago/);
  });

  it('stores tokens and serving API keys hashed, never in plain', async () => {
    const s = server();
    const token = await makeToken(s, 'submit', 'hashed');
    const key = await s.api('/api/v1/keys', { body: { name: 'app' } });
    assert.equal(key.status, 201);
    const secrets = [token.token.slice(20), key.body.key.split('_').slice(2).join('_')];
    assert.ok(secrets.every((secret) => secret.length >= 40), JSON.stringify(secrets));
    await waitFor(async () => readFileSync(join(s.dataDir, 'deploy', 'keys.json'), 'utf8').includes(key.body.id), { what: 'the key file to list the key' });
    const files = [...readdirSync(s.dataDir).filter((f) => f.startsWith('trainyard.db')).map((f) => join(s.dataDir, f)), join(s.dataDir, 'deploy', 'keys.json')];
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const secret of secrets) assert.equal(bytes.includes(secret), false, `${file} holds a secret in plain`);
    }
  });
});

/** What a read token might have changed: jobs with their states, models, tokens and keys. */
async function snapshot(s: TestServer) {
  const jobs = (await s.api('/api/v1/jobs?limit=1000')).body.jobs.map((j: any) => [j.id, j.state]);
  const model = (await s.api('/api/v1/models/scoped')).body;
  const tokens = (await s.api('/api/v1/tokens')).body.tokens.map((t: any) => t.id);
  const keys = (await s.api('/api/v1/keys')).body.keys.length;
  return { jobs, versions: model.versions.length, aliases: model.aliases, models: (await s.api('/api/v1/models')).body.models.length, tokens, keys };
}
