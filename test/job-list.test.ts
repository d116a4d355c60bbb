/**
 * The job list and the status line through a real server: every job state is a valid filter,
 * tag and name-prefix filters (API, TypeScript client, `trainyard ls`), the latest metric
 * values of each listed job, and the status message a run reports (status route and line
 * protocol) in the API, `show` and `ls`, printed with control characters escaped.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { JOB_STATES } from '../src/core/types.ts';
import type { Io } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import { createClient } from '../src/sdk/client.ts';
import { REPO, useServer, waitFor, waitForJob, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');

/** A job running an inline ES module script. */
const script = (source: string, extra: Record<string, unknown> = {}) => ({ command: [process.execPath, '--input-type=module', '-e', source], cwd: REPO, ...extra });

async function submit(server: TestServer, body: unknown): Promise<number> {
  const { status, body: job } = await server.api('/api/v1/jobs', { body });
  assert.equal(status, 201, JSON.stringify(job));
  return job.id;
}

async function cli(server: TestServer, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = {
    stdout: { write: (chunk) => (out += String(chunk)) },
    stderr: { write: (chunk) => (err += String(chunk)) },
    env: { TRAINYARD_URL: server.url, TRAINYARD_TOKEN: server.adminToken, TRAINYARD_HOME: server.dataDir },
    cwd: REPO,
    onInterrupt: () => () => undefined,
    now: () => Date.now(),
  };
  return { code: await main(args, io), out, err };
}

describe('job list', () => {
  const server = useServer();

  it('filters by every job state, paused included', async () => {
    for (const state of JOB_STATES) {
      const listed = await server().api(`/api/v1/jobs?state=${state}`);
      assert.equal(listed.status, 200, `state=${state}: ${JSON.stringify(listed.body)}`);
    }
    const id = await submit(server(), { command: [process.execPath, TRAINER, '--steps', '100000', '--interval-ms', '50'], cwd: REPO, stopGraceSeconds: 5 });
    await waitForJob(server(), id, ['running']);
    assert.equal((await server().api(`/api/v1/jobs/${id}/pause`, { body: {} })).status, 200);
    await waitForJob(server(), id, ['paused']);
    const paused = await server().api('/api/v1/jobs?state=paused');
    assert.deepEqual(paused.body.jobs.map((j: any) => j.id), [id]);
    const either = await server().api('/api/v1/jobs?state=pausing&state=paused');
    assert.deepEqual(either.body.jobs.map((j: any) => j.id), [id], 'state repeats like a comma list');
    const bad = await server().api('/api/v1/jobs?state=sleeping');
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /state/);
    await server().api(`/api/v1/jobs/${id}/stop`, { body: {} });
  });

  it('filters by tags and name prefix in the API, the TypeScript client and the CLI', async () => {
    const quick = (name: string, tags: string[]) => submit(server(), script('', { name, tags }));
    const a = await quick('study-7-trial-1', ['study-7', 'lr']);
    const b = await quick('study-7-trial-2', ['study-7']);
    const c = await quick('Study-7-other', ['lr']);
    const ids = async (query: string) => (await server().api(`/api/v1/jobs?${query}`)).body.jobs.map((j: any) => j.id);
    assert.deepEqual(await ids('tag=study-7'), [b, a]);
    assert.deepEqual(await ids('tag=study-7,lr'), [a], 'a job must carry every tag');
    assert.deepEqual(await ids('tag=study-7&tag=lr'), [a]);
    assert.deepEqual(await ids('tag=lr'), [c, a]);
    assert.deepEqual(await ids('name=study-7-'), [b, a]);
    assert.deepEqual(await ids('name=Study'), [c], 'case-sensitive');
    assert.deepEqual(await ids('name=study-7&tag=lr'), [a]);
    assert.deepEqual(await ids('tag=nobody-has-this'), []);

    const client = createClient({ url: server().url, token: server().adminToken });
    assert.deepEqual((await client.listJobs({ tags: ['study-7', 'lr'] })).map((j) => j.id), [a]);
    assert.deepEqual((await client.listJobs({ namePrefix: 'study-7-trial-2' })).map((j) => j.id), [b]);

    const ls = await cli(server(), 'ls', '--tag', 'study-7', '--name', 'study-7-trial', '--json');
    assert.equal(ls.code, 0, ls.err);
    assert.deepEqual(JSON.parse(ls.out).jobs.map((j: any) => j.id), [b, a]);
    const table = await cli(server(), 'ls', '--tag', 'lr', '--tag', 'study-7');
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /study-7-trial-1/);
    assert.doesNotMatch(table.out, /study-7-trial-2|Study-7-other/);
  });

  it('includes the latest metric values of every listed job, old ones included', async () => {
    const trained = await submit(server(), { command: [process.execPath, TRAINER, '--steps', '8', '--interval-ms', '1'], cwd: REPO, name: 'trained', tags: ['latest-test'] });
    assert.equal((await waitForJob(server(), trained, ['succeeded', 'failed'])).state, 'succeeded');
    const silent = await submit(server(), script('', { name: 'silent', tags: ['latest-test'] }));
    await waitForJob(server(), silent, ['succeeded']);
    const { body } = await server().api('/api/v1/jobs?tag=latest-test');
    const byId = new Map(body.jobs.map((j: any) => [j.id, j]));
    assert.deepEqual((byId.get(trained) as any).latest, { loss: { step: 8, value: 0.125 } });
    assert.deepEqual((byId.get(silent) as any).latest, {});
  });
});

describe('status line', () => {
  const server = useServer();

  it('keeps the message of the status route and shows it in the API, show and ls', async () => {
    const id = await submit(server(), script(`
      const { TRAINYARD_URL: url, TRAINYARD_TOKEN: token, TRAINYARD_RUN_ID: run } = process.env;
      const res = await fetch(url + '/api/v1/runs/' + run + '/status', {
        method: 'POST',
        headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
        body: JSON.stringify({ total: 3, message: 'Training epoch 2/3' }),
      });
      console.log('status answered', res.status);
    `, { name: 'status-route' }));
    const done = await waitForJob(server(), id, ['succeeded', 'failed']);
    assert.equal(done.state, 'succeeded');
    assert.match((await server().api(`/api/v1/jobs/${id}/log`)).body, /status answered 200/);
    assert.equal(done.progress.message, 'Training epoch 2/3');
    const listed = (await server().api('/api/v1/jobs?name=status-route')).body.jobs[0];
    assert.equal(listed.progress.message, 'Training epoch 2/3');

    const show = await cli(server(), 'show', String(id));
    assert.equal(show.code, 0, show.err);
    assert.match(show.out, /^message: +Training epoch 2\/3$/m);
    const ls = await cli(server(), 'ls');
    assert.match(ls.out, /MESSAGE/);
    assert.match(ls.out, /status-route .* Training epoch 2\/3$/m);
  });

  it('keeps the message of the line protocol, escaping control characters when printing it', async () => {
    const message = 'epoch 3 \u001b[2J\u202eevil';
    // The line carries the message as a JSON string: ESC written as \u001b, U+202E as it is.
    const id = await submit(server(), script(`
      console.log('#trainyard progress total=3 message=' + ${JSON.stringify(JSON.stringify(message))});
      console.log('#trainyard metrics step=1 loss=0.5');
    `, { name: 'line-protocol' }));
    assert.equal((await waitForJob(server(), id, ['succeeded', 'failed'])).state, 'succeeded');
    const job = await waitFor(async () => {
      const { body } = await server().api(`/api/v1/jobs/${id}`);
      return body.progress.message !== null ? body : null;
    }, { what: 'the message to be stored' });
    assert.equal(job.progress.message, message);

    const show = await cli(server(), 'show', String(id));
    assert.match(show.out, /^message: +epoch 3 \\x1b\[2J\\u202eevil$/m);
    const ls = await cli(server(), 'ls', '--name', 'line-protocol');
    assert.match(ls.out, /epoch 3 \\x1b\[2J\\u202eevil/);
    for (const out of [show.out, ls.out]) assert.doesNotMatch(out, /[\u001b\u202e]/, 'no raw control character reaches the terminal');
  });
});
