/**
 * Operations through real servers (docs/operations.md): a backup taken while a run writes
 * metrics, restored into a new data directory that a second server then serves with the same
 * jobs, events, checkpoints, datasets and metric series; a corrupted backup named file by
 * file; a backup without a server; `trainyard doctor` on healthy and broken data directories;
 * /healthz, /readyz and /metrics.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, cliJson, killRuns, runCli, startServer, tempDir, waitFor, waitForJob, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');
const row = (i: number) => JSON.stringify({ messages: [{ role: 'user', content: `question ${i}` }, { role: 'assistant', content: `reply ${i}` }] });

describe('backup and restore', () => {
  const work = tempDir('trainyard-ops-');
  let source: TestServer;
  let restored: TestServer | null = null;
  let doneId: number;
  let busyId: number;
  const backup = join(work, 'backup');
  const target = join(work, 'restored');

  before(async () => {
    source = await startServer();
    writeFileSync(join(work, 'train.jsonl'), Array.from({ length: 20 }, (_, i) => row(i)).join('\n') + '\n');
    const dataset = await source.api('/api/v1/datasets', { body: { name: 'chat', path: join(work, 'train.jsonl'), format: 'chat' } });
    assert.equal(dataset.status, 201, JSON.stringify(dataset.body));
    const done = await source.api('/api/v1/jobs', { body: { name: 'done', command: [process.execPath, TRAINER, '--steps', '20', '--ckpt-every', '5', '--interval-ms', '5'], cwd: REPO } });
    doneId = done.body.id;
    await waitForJob(source, doneId, ['succeeded']);
    const busy = await source.api('/api/v1/jobs', { body: { name: 'busy', command: [process.execPath, TRAINER, '--steps', '1000000', '--ckpt-every', '1000000', '--interval-ms', '2'], cwd: REPO } });
    busyId = busy.body.id;
    await waitFor(async () => (await source.api(`/api/v1/jobs/${busyId}/metrics/loss`)).status === 200, { what: 'the busy run to write metrics' });
  });

  after(async () => {
    await restored?.stop();
    await source.stop();
    killRuns(source.dataDir);
    if (existsSync(target)) killRuns(target);
    rmSync(work, { recursive: true, force: true });
  });

  it('backs up a running server while a run writes metrics; refuses a used destination', async () => {
    const summary = cliJson(await runCli(['backup', backup, '--json'], { dataDir: source.dataDir }));
    assert.equal(summary.dest, backup);
    assert.equal(summary.counts.jobs, 2);
    assert.equal(summary.counts.checkpoints, 3, 'four registered, the default retention keeps the latest 3');
    assert.equal(summary.counts.datasetVersions, 1);
    assert.ok(existsSync(join(backup, 'manifest.json')) && !existsSync(`${backup}.partial`));
    const manifest = JSON.parse(readFileSync(join(backup, 'manifest.json'), 'utf8'));
    const paths: string[] = manifest.files.map((f: any) => f.path);
    assert.equal(paths.filter((p) => p.startsWith(`jobs/${doneId}/checkpoints/`)).length, 3);
    assert.ok(paths.some((p) => p.startsWith('datasets/')) && paths.includes('admin-token'));
    assert.ok(manifest.skipped.some((s: any) => s.path === 'server.lock'));
    const again = await runCli(['backup', backup], { dataDir: source.dataDir });
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`dest: ${backup} is not empty`));
  });

  it('restores into a new data directory that a server serves with the same records and series', async () => {
    const result = cliJson(await runCli(['restore', backup, target, '--json']));
    const manifest = JSON.parse(readFileSync(join(backup, 'manifest.json'), 'utf8'));
    assert.deepEqual(result.counts, manifest.database.counts);
    assert.equal((await runCli(['restore', backup, target])).code, 1, 'a non-empty target is refused');
    assert.equal(result.detachedRuns, 1, 'the busy run, in flight at backup time');
    const sourceRun = (await source.api(`/api/v1/jobs/${busyId}`)).body.runs[0];
    restored = await startServer({ dataDir: target });
    // The restored server never adopts the source's process (same machine, same pid): its copy of the run ends.
    await waitFor(async () => (await restored!.api(`/api/v1/jobs/${busyId}`)).body.runs[0].state !== 'running', { what: 'the restored copy of the busy run to end' });
    const still = (await source.api(`/api/v1/jobs/${busyId}`)).body;
    assert.deepEqual([still.state, still.runs[0].id, still.runs[0].state], ['running', sourceRun.id, 'running'], 'the source run goes on');
    await source.api(`/api/v1/jobs/${busyId}/stop`, { method: 'POST', body: {} });
    const jobs = (await restored.api('/api/v1/jobs')).body.jobs;
    assert.deepEqual(jobs.map((j: any) => j.name).sort(), ['busy', 'done']);
    // Events: those in the backup, identical; the restored server may append its own after them.
    const inBackup = manifest.database.counts.events;
    const before = (await source.api('/api/v1/events?limit=10000')).body.events.slice(0, inBackup);
    const afterRestore = (await restored.api('/api/v1/events?limit=10000')).body.events.slice(0, inBackup);
    assert.equal(afterRestore.length, inBackup);
    assert.deepEqual(afterRestore.map((e: any) => [e.id, e.type, e.jobId]), before.map((e: any) => [e.id, e.type, e.jobId]));
    const checkpoints = (await restored.api(`/api/v1/jobs/${doneId}/checkpoints`)).body.checkpoints;
    const original = (await source.api(`/api/v1/jobs/${doneId}/checkpoints`)).body.checkpoints;
    assert.deepEqual(checkpoints.map((c: any) => [c.id, c.step, c.bytes, c.deleted]), original.map((c: any) => [c.id, c.step, c.bytes, c.deleted]));
    assert.equal(checkpoints.filter((c: any) => !c.deleted).length, 3);
    for (const c of checkpoints.filter((c: any) => !c.deleted)) {
      assert.ok(c.path.includes('/restored/jobs/'), `checkpoint path moved to the new directory: ${c.path}`);
      assert.ok(existsSync(c.path), c.path);
    }
    assert.deepEqual((await restored.api('/api/v1/datasets')).body, (await source.api('/api/v1/datasets')).body);
    // The finished job's series, exactly; the busy one's, a prefix of the source's (a consistent cut).
    const series = async (server: TestServer, id: number) => (await server.api(`/api/v1/jobs/${id}/metrics/loss?buckets=100000`)).body;
    assert.deepEqual(await series(restored, doneId), await series(source, doneId));
    const cut = await series(restored, busyId);
    const full = await series(source, busyId);
    assert.ok(cut.steps.length > 0);
    assert.deepEqual(cut.steps, full.steps.slice(0, cut.steps.length));
    assert.deepEqual(cut.values, full.values.slice(0, cut.values.length));
  });

  it('names the corrupted file of a backup and writes nothing', async () => {
    const broken = join(work, 'broken');
    cpSync(backup, broken, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(broken, 'manifest.json'), 'utf8'));
    const victim = manifest.files.find((f: any) => f.path.includes('/checkpoints/')).path;
    appendFileSync(join(broken, victim), 'x');
    const into = join(work, 'never');
    const result = await runCli(['restore', broken, into]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`${victim.replace(/[.]/g, '\\.')}: expected \\d+ bytes`));
    assert.equal(existsSync(into) || existsSync(`${into}.partial`), false);
  });

  it('backs up a data directory with no server from its files', async () => {
    await restored!.stop();
    const offline = join(work, 'offline');
    const result = await runCli(['backup', offline], { dataDir: target });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /no server running/);
    const manifest = JSON.parse(readFileSync(join(offline, 'manifest.json'), 'utf8'));
    assert.equal(manifest.database.counts.jobs, 2);
    restored = null;
  });
});

describe('trainyard doctor', () => {
  let server: TestServer;
  let jobId: number;
  before(async () => {
    server = await startServer();
    const job = await server.api('/api/v1/jobs', { body: { name: 'd', command: [process.execPath, TRAINER, '--steps', '4', '--ckpt-every', '2', '--interval-ms', '5'], cwd: REPO } });
    jobId = job.body.id;
    await waitForJob(server, jobId, ['succeeded']);
    await server.stop();
  });
  after(() => rmSync(server.dataDir, { recursive: true, force: true }));

  const doctor = async () => {
    const result = await runCli(['doctor', '--data', server.dataDir, '--json']);
    return { code: result.code, report: JSON.parse(result.stdout), stderr: result.stderr };
  };

  it('finds nothing wrong in a healthy directory', async () => {
    const { code, report } = await doctor();
    assert.equal(code, 0, JSON.stringify(report.findings.filter((f: any) => f.status !== 'ok')));
    assert.ok(report.findings.some((f: any) => f.check === 'gpus'));
    assert.ok(report.findings.some((f: any) => f.check === 'slurm' && /not configured/.test(f.message)));
  });

  it('names an orphan dataset copy, a stale lock, a missing checkpoint file, each with a fix', async () => {
    const orphan = join(server.dataDir, 'datasets', 'f'.repeat(64));
    mkdirSync(orphan, { recursive: true });
    writeFileSync(join(orphan, 'data.jsonl'), '{}\n');
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout.trim());
    writeFileSync(join(server.dataDir, 'server.lock'), String(deadPid));
    const checkpointDir = join(server.dataDir, 'jobs', String(jobId), 'checkpoints');
    const files = spawnSync('ls', [checkpointDir], { encoding: 'utf8' }).stdout.trim().split('\n');
    rmSync(join(checkpointDir, files[0]), { recursive: true });
    writeFileSync(join(checkpointDir, 'stray.bin'), 'x');

    const { code, report } = await doctor();
    assert.equal(code, 1);
    const by = (check: string) => report.findings.find((f: any) => f.check === check);
    assert.equal(by('orphan-datasets').status, 'warn');
    assert.match(by('orphan-datasets').fix, new RegExp(`rm -r ${orphan}`));
    assert.equal(by('lock').status, 'warn');
    assert.match(by('lock').message, new RegExp(`pid ${deadPid}, which is not running`));
    assert.match(by('lock').fix, /rm .*server\.lock/);
    assert.equal(by('missing-checkpoints').status, 'fail');
    assert.match(by('missing-checkpoints').message, new RegExp(files[0]));
    assert.equal(by('orphan-checkpoints').status, 'warn');
    assert.match(by('orphan-checkpoints').message, /stray\.bin/);
    const text = await runCli(['doctor', '--data', server.dataDir]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /WARN lock: stale lock/);
    assert.match(text.stdout, /fix: rm /);
  });
});

describe('health, readiness and /metrics', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  });

  it('answers /healthz and /readyz without a token', async () => {
    assert.deepEqual((await server.api('/healthz', { token: null })).body, { ok: true });
    const ready = await server.api('/readyz', { token: null });
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    assert.equal(ready.body.ready, true);
    assert.ok(ready.body.checks.some((c: any) => c.name === 'store' && c.ok));
    assert.ok(ready.body.checks.some((c: any) => c.name.startsWith('subscriber:')));
  });

  it('serves Prometheus metrics to a token: queue, running, ingest, event lag, errors, process', async () => {
    assert.equal((await server.api('/metrics', { token: null })).status, 401);
    const job = await server.api('/api/v1/jobs', { body: { name: 'm', command: [process.execPath, TRAINER, '--steps', '5', '--ckpt-every', '100', '--interval-ms', '5'], cwd: REPO } });
    await waitForJob(server, job.body.id, ['succeeded']);
    await server.api('/api/v1/jobs/999999');
    const { status, body, headers } = await server.api('/metrics');
    assert.equal(status, 200);
    assert.match(headers.get('content-type') ?? '', /text\/plain/);
    for (const name of ['trainyard_queue_depth', 'trainyard_running_jobs', 'trainyard_event_log_last_id', 'process_resident_memory_bytes']) assert.match(body, new RegExp(`^${name} \\d`, 'm'));
    assert.match(body, /^trainyard_ingested_points_total [1-9]\d*/m);
    assert.match(body, /^trainyard_event_lag\{subscriber="[^"]+"\} \d+/m);
    assert.match(body, /^trainyard_subscriber_lag_seconds\{subscriber="[^"]+"\} /m);
    assert.match(body, /^trainyard_http_errors_total\{route_class="jobs",status="404"\} 1/m);
    assert.match(body, /^trainyard_jobs\{state="succeeded"\} 1/m);
  });
});
