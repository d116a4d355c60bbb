/**
 * The routes the dashboard adds, through a real server: tokens and whoami, the compare query,
 * and the dashboard served at `/` with client routes and cache headers.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hasWebBuild } from './dashboard-browser.ts';
import type { Io } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import { REPO, requireOrSkip, useServer, waitFor, waitForJob } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');

describe('dashboard API', () => {
  const theServer = useServer();

  it('makes, lists and revokes read-only tokens; a read token may look but not act', async () => {
    const made = await theServer().api('/api/v1/tokens', { body: { role: 'read', name: 'wall screen' } });
    assert.equal(made.status, 201);
    assert.match(made.body.token, /^ty_[0-9a-f]{16}_/);
    assert.equal(made.body.role, 'read');
    const read = made.body.token as string;

    const listed = await theServer().api('/api/v1/tokens');
    assert.deepEqual(listed.body.tokens.map((t: any) => [t.role, t.name]), [['admin', null], ['read', 'wall screen']]);
    assert.ok(listed.body.tokens.every((t: any) => !('token' in t) && !('secretHash' in t)), 'no secrets listed');

    assert.deepEqual((await theServer().api('/api/v1/whoami', { token: read })).body, { role: 'read', jobId: null, runId: null });
    assert.equal((await theServer().api('/api/v1/jobs', { token: read })).status, 200);
    assert.equal((await theServer().api('/api/v1/jobs', { token: read, body: { command: ['true'], cwd: REPO } })).status, 403);
    assert.equal((await theServer().api('/api/v1/tokens', { token: read })).status, 403);
    assert.equal((await theServer().api('/api/v1/tokens', { token: read, body: { role: 'admin' } })).status, 403);
    assert.equal((await theServer().api('/api/v1/tokens', { body: { role: 'run' } })).status, 400);

    const adminId = listed.body.tokens[0].id;
    const self = await theServer().api(`/api/v1/tokens/${adminId}`, { method: 'DELETE' });
    assert.equal(self.status, 409, 'a token cannot revoke itself');
    assert.equal((await theServer().api(`/api/v1/tokens/${made.body.id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await theServer().api(`/api/v1/tokens/${made.body.id}`, { method: 'DELETE' })).status, 404);
    assert.equal((await theServer().api('/api/v1/whoami', { token: read })).status, 401);
  });

  it('makes, lists and revokes tokens from the CLI', async () => {
    const cli = async (...args: string[]) => {
      let out = '';
      let err = '';
      const io: Io = {
        stdout: { write: (chunk) => (out += String(chunk)) },
        stderr: { write: (chunk) => (err += String(chunk)) },
        env: { TRAINYARD_URL: theServer().url, TRAINYARD_TOKEN: theServer().adminToken, TRAINYARD_HOME: theServer().dataDir },
        cwd: REPO,
        onInterrupt: () => () => undefined,
        now: () => Date.now(),
      };
      return { code: await main(['token', ...args], io), out, err };
    };
    const made = await cli('create', '--role', 'read', '--name', 'ci dashboard');
    assert.equal(made.code, 0, made.err);
    assert.match(made.out.trim(), /^ty_[0-9a-f]{16}_\S{43}$/, 'stdout is the token alone');
    assert.match(made.err, /not shown again/);
    const id = made.out.trim().slice(3, 19);
    const listed = JSON.parse((await cli('ls', '--json')).out);
    assert.ok(listed.tokens.some((t: any) => t.id === id && t.role === 'read' && t.name === 'ci dashboard'));
    assert.match((await cli('ls')).out, /ci dashboard/);
    assert.equal((await cli('create', '--role', 'run')).code, 2);
    assert.equal((await cli('revoke', 'nope')).code, 2);
    assert.equal((await cli('revoke', id)).code, 0);
    assert.equal((await cli('revoke', id)).code, 1, 'already revoked');
  });

  it('tells a run token who it is', async () => {
    const { body: job } = await theServer().api('/api/v1/jobs', { body: { command: 'echo "token=$TRAINYARD_TOKEN"; sleep 30', shell: true, cwd: REPO, stopGraceSeconds: 1 } });
    const token = await waitFor(async () => /token=(ty_\S+)/.exec((await theServer().api(`/api/v1/jobs/${job.id}/log`)).body)?.[1], { what: 'the run to print its token' });
    const detail = await waitForJob(theServer(), job.id, ['running']);
    assert.deepEqual((await theServer().api('/api/v1/whoami', { token })).body, { role: 'run', jobId: job.id, runId: detail.runs[0].id });
    await theServer().api(`/api/v1/jobs/${job.id}/stop`, { body: {} });
  });

  it('compares runs on shared bucket columns, with params and best checkpoints', async () => {
    const ids: number[] = [];
    for (const [steps, lr] of [[40, 0.1], [20, 0.01]] as const) {
      const { body } = await theServer().api('/api/v1/jobs', { body: { command: [process.execPath, TRAINER, '--steps', String(steps), '--interval-ms', '1', '--ckpt-every', '10'], cwd: REPO, params: { lr, depth: 2 }, keepCheckpoints: 0 } });
      ids.push(body.id);
    }
    for (const id of ids) assert.equal((await waitForJob(theServer(), id, ['succeeded', 'failed'])).state, 'succeeded');

    const raw = await theServer().api(`/api/v1/compare?jobs=${ids.join(',')}&key=loss&buckets=1000`);
    assert.equal(raw.status, 200, JSON.stringify(raw.body));
    assert.equal(raw.body.from, 1);
    assert.equal(raw.body.to, 40);
    assert.deepEqual(raw.body.steps, Array.from({ length: 40 }, (_, i) => i + 1), 'few points: one column per step');
    const [a, b] = raw.body.jobs;
    assert.deepEqual([a.id, a.name === undefined, a.params, a.found, a.keys], [ids[0], false, { lr: 0.1, depth: 2 }, true, ['loss']]);
    assert.equal(a.last[39], 0.025);
    assert.equal(b.last[19], 0.05);
    assert.equal(b.last[20], null, 'the shorter run has gaps past its end');
    assert.equal(a.best.step, 40, 'lowest loss wins');
    assert.equal(b.best.step, 20);
    const highest = await theServer().api(`/api/v1/compare?jobs=${ids[0]}&key=loss&goal=max`);
    assert.equal(highest.body.jobs[0].best.step, 10);

    const bucketed = await theServer().api(`/api/v1/compare?jobs=${ids.join(',')}&key=loss&buckets=4`);
    assert.equal(bucketed.body.steps.length, 4);
    assert.deepEqual(bucketed.body.jobs[1].last.map((v: number | null) => v !== null), [true, true, false, false]);
    assert.ok(bucketed.body.jobs[0].min[0] < bucketed.body.jobs[0].max[0]);

    const lines = await theServer().api(`/api/v1/compare?jobs=${ids.join(',')}&key=loss&buckets=4&bands=false`);
    assert.deepEqual([lines.body.jobs[0].min, lines.body.jobs[0].max, lines.body.jobs[0].last.length], [null, null, 4]);

    const zoomed = await theServer().api(`/api/v1/compare?jobs=${ids.join(',')}&key=loss&from=30&to=40`);
    assert.deepEqual(zoomed.body.steps, Array.from({ length: 11 }, (_, i) => i + 30));
    assert.deepEqual(zoomed.body.jobs[1].last, new Array(11).fill(null));

    const missingKey = await theServer().api(`/api/v1/compare?jobs=${ids[0]}&key=nope`);
    assert.deepEqual([missingKey.status, missingKey.body.steps, missingKey.body.jobs[0].found], [200, [], false]);
    assert.equal((await theServer().api('/api/v1/compare?jobs=999999&key=loss')).status, 404);
    assert.equal((await theServer().api('/api/v1/compare?jobs=x&key=loss')).status, 400);
  });

  it('serves the dashboard at / with client routes, cache headers and JSON 404s for the API', { skip: requireOrSkip(hasWebBuild(), 'the dashboard build web/dist (npm run build:web)') }, async () => {
    const home = await fetch(`${theServer().url}/`);
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(home.headers.get('cache-control'), 'no-cache');
    const html = await home.text();
    const deep = await fetch(`${theServer().url}/jobs/12?x=1`);
    assert.equal(await deep.text(), html, 'client routes get index.html');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(asset, html);
    const js = await fetch(theServer().url + asset);
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const missing = await fetch(`${theServer().url}/api/v1/nope`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'not_found');
    assert.equal((await fetch(`${theServer().url}/assets/nope.js`)).status, 404);
  });
});
