/**
 * Continuous training from the inbox through a real server, real files and real processes:
 * each dropped file becomes a registered dataset version and a job that continues the model
 * version `production` names when the file is taken (the alias moves between two files); a
 * file that fails validation goes to failed/ with its first problems; `GET /api/v1/inbox` and
 * `trainyard inbox ls` list it all. Then the server is killed between a file's registration and
 * its job: after restart each file became exactly one version and one job.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { registerDataset } from '../src/datasets/register.ts';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { cliJson, killRuns, REPO, runCli, startServer, waitFor, waitForJob, type TestServer } from './harness.ts';
import { chatRow, drop, foldersOf, inboxDataDir, inboxJobs, inboxReady, ledgerRuns, readIn, waitUntilIn, type InboxDir } from './inbox-fixture.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');

describe('inbox: continuous training', () => {
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) {
      killRuns(s.dataDir);
      await s.stop().catch(() => {});
    }
  });

  /** A model `chat` with versions 1 and 2 (two checkpoints of one job), `production` on 1. */
  async function model(server: TestServer): Promise<number[]> {
    const base = await server.api('/api/v1/jobs', { body: { name: 'base', command: [process.execPath, TRAINER, '--steps', '10', '--ckpt-every', '5', '--interval-ms', '10'], cwd: REPO } });
    assert.equal(base.status, 201, JSON.stringify(base.body));
    assert.equal((await waitForJob(server, base.body.id, ['succeeded', 'failed'])).state, 'succeeded');
    const checkpoints: Array<{ id: number }> = (await server.api(`/api/v1/jobs/${base.body.id}/checkpoints`)).body.checkpoints;
    assert.equal((await server.api('/api/v1/models', { body: { name: 'chat' } })).status, 201);
    for (const c of checkpoints) assert.equal((await server.api('/api/v1/models/chat/versions', { body: { checkpointId: c.id } })).status, 201);
    await moveProduction(server, 1);
    return checkpoints.map((c) => c.id);
  }

  async function moveProduction(server: TestServer, version: number): Promise<void> {
    const moved = await server.api('/api/v1/models/chat/aliases/production', { method: 'PUT', body: { version, reason: 'test' } });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
  }

  const jobNamed = async (server: TestServer, name: string) => (await inboxJobs(server)).find((j) => j.name === name);

  it('registers each file, continues the production model of its moment, refuses bad data, and lists it all', async () => {
    const dir = inboxDataDir({ stableMs: 0, pollMs: 50, dataset: 'chat-stream', from: 'model:chat@production' });
    const server = await startServer({ dataDir: dir.dataDir });
    servers.push(server);
    await waitFor(() => inboxReady(dir), { what: 'the inbox folders' });
    const [at5, at10] = await model(server);

    drop(dir, 'normal', 'day1.jsonl', chatRow({ day: 1 }) + chatRow({ day: 1, n: 2 }));
    await waitUntilIn(dir, 'day1.jsonl', 'done');
    await moveProduction(server, 2);
    drop(dir, 'high', 'day2.jsonl', chatRow({ day: 2 }));
    await waitUntilIn(dir, 'day2.jsonl', 'done');

    const day1 = await jobNamed(server, 'ft-day1');
    const day2 = await jobNamed(server, 'ft-day2');
    assert.deepEqual([day1.spec.datasets, day1.spec.datasetLevel, day1.spec.from], [{ train: 'chat-stream@1' }, 'standard', 'model:chat@production']);
    assert.deepEqual((await server.api(`/api/v1/jobs/${day1.id}`)).body.initFrom.model, { name: 'chat', version: 1 });
    assert.deepEqual(day2.spec.datasets, { train: 'chat-stream@2' });
    assert.deepEqual((await server.api(`/api/v1/jobs/${day2.id}`)).body.initFrom.model, { name: 'chat', version: 2 });
    // Each run read the registered copy (not the inbox file, which has moved to done/) and started from its version.
    const runs = ledgerRuns(dir);
    assert.deepEqual(runs.map((r) => [r.job, r.dataset, r.rows, r.initFromId]), [[day1.id, 'chat-stream@1', 2, at5], [day2.id, 'chat-stream@2', 1, at10]]);
    for (const run of runs) assert.ok(run.file.startsWith(join(dir.dataDir, 'datasets')) && existsSync(run.file), run.file);
    const version = (await server.api('/api/v1/datasets/chat-stream/1')).body;
    assert.equal(version.levels.standard, 'passed');
    assert.equal(version.rows, 2);

    drop(dir, 'normal', 'bad.jsonl', `${chatRow()}{"messages": [{"role": "user", "content": 3}]}\n`);
    const reason = (await waitUntilIn(dir, 'bad.jsonl', 'failed'))!;
    assert.match(reason.split('\n')[0], /^validation failed \(chat, standard\): \d+ errors?: .*bad\.jsonl line 2, field messages\[0\]\.content: schema: .*\(registered as chat-stream@3\)$/);
    assert.equal(await jobNamed(server, 'ft-bad'), undefined, 'no job');

    // The listing: newest first, the job and version each became, the reason of a failure.
    const listed = await server.api('/api/v1/inbox');
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.deepEqual(listed.body.config, { state: 'on', message: null });
    assert.deepEqual(listed.body.counts, { waiting: 0, processing: 0, done: 2, failed: 1 });
    assert.deepEqual(listed.body.files.map((f: any) => [f.name, f.state, f.jobId, f.dataset && `${f.dataset.name}@${f.dataset.version}`, f.path]), [
      ['bad.jsonl', 'failed', null, 'chat-stream@3', 'failed/bad.jsonl'],
      ['day2.jsonl', 'done', day2.id, 'chat-stream@2', 'done/day2.jsonl'],
      ['day1.jsonl', 'done', day1.id, 'chat-stream@1', 'done/day1.jsonl'],
    ]);
    assert.equal(listed.body.files[0].reason, reason.split('\n')[0]);
    const page = await server.api('/api/v1/inbox?state=done&limit=1&offset=1');
    assert.deepEqual([page.body.files.map((f: any) => f.name), page.body.total, page.body.nextOffset], [['day1.jsonl'], 2, null]);
    const refused = await server.api('/api/v1/inbox?state=done,lost');
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message ?? JSON.stringify(refused.body), /state/);

    // A file waits while inbox.yaml is broken, and is listed as waiting, first.
    writeFileSync(join(dir.dataDir, 'inbox.yaml'), 'templates: [oops');
    await waitFor(() => /inbox\.yaml is invalid/.test(server.output()), { what: 'the invalid config noticed' });
    drop(dir, 'low', 'day3.jsonl', chatRow({ day: 3 }));
    const waiting = await server.api('/api/v1/inbox?limit=2');
    assert.equal(waiting.body.config.state, 'invalid');
    assert.deepEqual(waiting.body.files.map((f: any) => [f.name, f.state, f.path, f.bytes]), [['day3.jsonl', 'waiting', 'low/day3.jsonl', chatRow({ day: 3 }).length], ['bad.jsonl', 'failed', 'failed/bad.jsonl', null]]);
    assert.deepEqual([waiting.body.total, waiting.body.nextOffset], [4, 2]);

    const cli = cliJson(await runCli(['inbox', 'ls', '--state', 'failed,waiting', '--json'], { dataDir: dir.dataDir }));
    assert.deepEqual(cli.files.map((f: any) => [f.name, f.state]), [['day3.jsonl', 'waiting'], ['bad.jsonl', 'failed']]);
    const text = await runCli(['inbox', 'ls'], { dataDir: dir.dataDir });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^inbox invalid .*: 1 waiting, 0 processing, 2 done, 1 failed\n/);
    assert.match(text.stdout, /done\s+day1\.jsonl\s+normal\s+\d+\s+chat-stream@1/);
    const usage = await runCli(['inbox', 'ls', '--state', 'lost'], { dataDir: dir.dataDir });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--state must be a comma list of waiting, processing, done, failed, not "lost"/);
  });

  it('after a kill between registration and submission, each file became exactly one version and one job', async () => {
    const dir = inboxDataDir({ stableMs: 0, pollMs: 50, dataset: 'chat-stream' });
    const first = await startServer({ dataDir: dir.dataDir });
    servers.push(first);
    await waitFor(() => inboxReady(dir), { what: 'the inbox folders' });
    await first.kill9();

    // What a kill leaves: a.jsonl registered and linked, b.jsonl registered but not yet linked;
    // neither has a job. Registered into the server's own data directory, with the real validator.
    const store = await createSqliteStore(join(dir.dataDir, 'trainyard.db'));
    const datasets = { store, datasetDir: join(dir.dataDir, 'datasets'), now: Date.now };
    const inProcessing = async (name: string, rows: string) => {
      writeFileSync(join(dir.inbox, 'processing', name), rows);
      const file = await store.recordInboxFile({ name, sha256: name.padEnd(64, '0'), priority: 'normal', path: `normal/${name}`, nextPath: `processing/${name}` }, Date.now());
      const moved = await store.completeInboxMove(file.id, Date.now());
      const registered = await registerDataset(datasets, { name: 'chat-stream', path: join(dir.inbox, 'processing', name), format: 'chat', level: 'standard' });
      return { file: moved, registered };
    };
    const a = await inProcessing('a.jsonl', chatRow({ file: 'a' }));
    await store.linkInboxDataset(a.file.id, a.registered.version.id, Date.now());
    const b = await inProcessing('b.jsonl', chatRow({ file: 'b' }) + chatRow({ file: 'b', n: 2 }));
    await store.close();

    const server = await first.restart();
    servers.push(server);
    await waitUntilIn(dir, 'a.jsonl', 'done');
    await waitUntilIn(dir, 'b.jsonl', 'done');
    const versions = (await server.api('/api/v1/datasets/chat-stream')).body.versions;
    assert.deepEqual(versions.map((v: any) => [v.version, v.sha256]), [[1, a.registered.version.sha256], [2, b.registered.version.sha256]], 'one version per file');
    const jobs = await inboxJobs(server);
    assert.deepEqual(jobs.map((j) => [j.name, j.spec.datasets.train, j.state]), [['ft-a', 'chat-stream@1', 'succeeded'], ['ft-b', 'chat-stream@2', 'succeeded']], 'one job per file');
    assert.deepEqual(ledgerRuns(dir).map((r) => [r.dataset, r.rows]).sort(), [['chat-stream@1', 1], ['chat-stream@2', 2]], 'each ran once');
    const listed = (await server.api('/api/v1/inbox?state=done')).body.files;
    assert.deepEqual(listed.map((f: any) => [f.name, f.dataset?.version, f.jobId]), [['b.jsonl', 2, jobs[1].id], ['a.jsonl', 1, jobs[0].id]]);

    // And a real kill while a stream of files is being registered and submitted.
    const names = Array.from({ length: 6 }, (_, i) => `s${i}.jsonl`);
    names.forEach((name, i) => drop(dir, 'normal', name, chatRow({ stream: i })));
    await waitFor(() => names.some((n) => foldersOf(dir, n)[0] === 'processing'), { intervalMs: 2, what: 'a file picked up' });
    await server.kill9();
    const again = await server.restart();
    servers.push(again);
    for (const name of names) await waitUntilIn(dir, name, 'done');
    const after = (await again.api('/api/v1/datasets/chat-stream')).body.versions;
    assert.equal(after.length, 2 + names.length, 'one version per file');
    const streamJobs = (await inboxJobs(again)).filter((j) => j.name.startsWith('ft-s'));
    assert.equal(streamJobs.length, names.length, 'one job per file');
    assert.equal(new Set(streamJobs.map((j) => j.spec.datasets.train)).size, names.length, 'each names its own version');
    assert.match(readIn(dir, 'done/s0.jsonl'), /"stream":0/);
  });
});
