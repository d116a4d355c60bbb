/**
 * A job's life through a real server, real child processes and a real SQLite file: success,
 * stop, crash and retry from a checkpoint, and a server killed with SIGKILL while jobs run.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { killRuns, REPO, startServer, tempDir, waitFor, waitForJob, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');

function spec(args: string[], extra: Record<string, unknown> = {}) {
  return { command: [process.execPath, TRAINER, ...args], cwd: REPO, ...extra };
}

async function submit(server: TestServer, body: unknown): Promise<number> {
  const { status, body: job } = await server.api('/api/v1/jobs', { body });
  assert.equal(status, 201, JSON.stringify(job));
  return job.id;
}

async function steps(server: TestServer, id: number, key = 'loss'): Promise<number[]> {
  const { body } = await server.api(`/api/v1/jobs/${id}/metrics/${key}?buckets=100000`);
  return body.steps;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('job lifecycle', () => {
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) {
      killRuns(s.dataDir);
      await s.stop().catch(() => {});
    }
  });

  it('runs a job to success with metrics, progress and retained checkpoints', async () => {
    const server = await startServer();
    servers.push(server);
    const id = await submit(server, spec(['--steps', '20', '--ckpt-every', '5'], { keepCheckpoints: 3 }));
    const job = await waitForJob(server, id, ['succeeded', 'failed']);
    assert.equal(job.state, 'succeeded', JSON.stringify(job.outcome));
    assert.equal(job.outcome.kind, 'success');
    assert.equal(job.attempts, 1);
    assert.deepEqual(await steps(server, id), range(1, 20));
    assert.deepEqual(job.latest.loss, { step: 20, value: 0.05 });
    assert.equal(job.progress.total, 20);
    assert.equal(job.progress.step, 20);

    const { body } = await server.api(`/api/v1/jobs/${id}/checkpoints`);
    assert.deepEqual(body.checkpoints.map((c: any) => [c.step, c.deleted]), [[5, true], [10, false], [15, false], [20, false]]);
    assert.equal(existsSync(body.checkpoints[0].path), false, 'retention removed the oldest file');
    assert.equal(existsSync(body.checkpoints[3].path), true);
    assert.equal(body.checkpoints[3].metrics.loss, 0.05);

    const log = await server.api(`/api/v1/jobs/${id}/log`);
    assert.match(log.body, /#trainyard metrics step=20/);
    assert.equal(log.headers.get('x-run-state'), 'succeeded');
  });

  it('stops a job: SIGTERM, final checkpoint registered, within the grace period', async () => {
    const server = servers[0];
    const id = await submit(server, spec(['--steps', '100000', '--interval-ms', '20', '--ckpt-every', '1000000']));
    await waitFor(async () => (await server.api(`/api/v1/jobs/${id}`)).body.latest?.loss?.step >= 5, { what: 'a few steps' });
    const asked = Date.now();
    const { body: stopping } = await server.api(`/api/v1/jobs/${id}/stop`, { method: 'POST' });
    assert.ok(['stopping', 'stopped'].includes(stopping.state));
    const job = await waitForJob(server, id, ['stopped', 'failed', 'succeeded']);
    assert.equal(job.state, 'stopped');
    assert.equal(job.outcome.kind, 'stopped');
    assert.ok(Date.now() - asked < 30_000, 'ended within the grace period');
    const { body } = await server.api(`/api/v1/jobs/${id}/checkpoints`);
    assert.equal(body.checkpoints.length, 1, 'the final checkpoint written on SIGTERM');
    assert.ok(body.checkpoints[0].step >= 5);
  });

  it('kills a job that ignores SIGTERM after its grace period', async () => {
    const server = servers[0];
    const id = await submit(server, spec(['--steps', '100000', '--ignore-term'], { stopGraceSeconds: 1 }));
    await waitForJob(server, id, ['running']);
    await waitFor(async () => (await server.api(`/api/v1/jobs/${id}`)).body.latest?.loss, { what: 'first metrics' });
    await server.api(`/api/v1/jobs/${id}/stop`, { method: 'POST' });
    const job = await waitForJob(server, id, ['stopped', 'failed']);
    assert.equal(job.state, 'stopped');
    assert.match(job.outcome.detail, /SIGKILL/);
  });

  it('retries a killed training process from its checkpoint with a continuous step axis', async () => {
    const server = servers[0];
    const pidFile = join(tempDir(), 'pid');
    const id = await submit(server, spec(['--steps', '40', '--interval-ms', '30', '--ckpt-every', '10', '--pid-file', pidFile]));
    await waitFor(async () => (await server.api(`/api/v1/jobs/${id}`)).body.latest?.loss?.step >= 14, { what: 'step 14' });
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    const job = await waitForJob(server, id, ['succeeded', 'failed']);
    assert.equal(job.state, 'succeeded');
    assert.equal(job.attempts, 2);
    assert.equal(job.runs[0].outcome.kind, 'signal');
    assert.equal(job.runs[0].outcome.detail, 'SIGKILL');
    const resumed = job.runs[1].resumeStep;
    assert.ok(resumed >= 10 && resumed % 10 === 0, `resumed from a checkpoint step (${resumed})`);
    assert.deepEqual(await steps(server, id), range(1, 40), 'no duplicates or gaps across the retry');
  });

  it('refuses a second server on the same data directory', async () => {
    await assert.rejects(startServer({ dataDir: servers[0].dataDir }), /in use by another trainyard server/);
  });

  it('survives kill -9 of the server: runs are adopted and finish truthfully', async () => {
    const server = await startServer();
    servers.push(server);
    const id = await submit(server, spec(['--steps', '60', '--interval-ms', '50', '--ckpt-every', '10']));
    await waitFor(async () => (await server.api(`/api/v1/jobs/${id}`)).body.latest?.loss?.step >= 8, { what: 'step 8' });
    await server.kill9();
    await new Promise((r) => setTimeout(r, 700)); // the job runs on, unwatched
    const again = await server.restart();
    servers.push(again);
    const job = await waitForJob(again, id, ['succeeded', 'failed']);
    assert.equal(job.state, 'succeeded', JSON.stringify(job.outcome));
    assert.equal(job.attempts, 1, 'adopted, not restarted');
    assert.deepEqual(await steps(again, id), range(1, 60), 'every line applied exactly once');
  });

  it('adopts a run whose handle the killed server never recorded, finding it by its run directory', async () => {
    const server = servers.at(-1)!;
    const id = await submit(server, spec(['--steps', '50', '--interval-ms', '20', '--ckpt-every', '10', '--hang-at', '15']));
    await waitFor(async () => (await server.api(`/api/v1/jobs/${id}`)).body.latest?.loss?.step >= 14, { what: 'step 14' });
    const started = (await server.api(`/api/v1/jobs/${id}`)).body.runs[0];
    assert.equal(started.handle.executor, 'local');
    assert.equal(started.pid, Number(started.handle.externalId.split('@')[0]), 'the API still shows the pid of a local run');
    await server.kill9();
    // As if the server had died between starting the process and recording its handle.
    const db = new Database(join(server.dataDir, 'trainyard.db'));
    db.prepare('update runs set handle_executor = null, handle_external_id = null, pid = null, proc_start = null where job_id = ?').run(id);
    db.close();
    const again = await server.restart();
    servers.push(again);
    // The run hangs at step 15, alive: found, adopted, and its handle recorded again.
    await waitFor(async () => (await again.api(`/api/v1/jobs/${id}`)).body.runs[0].handle?.externalId === started.handle.externalId, { what: 'the handle recorded' });
    await again.api(`/api/v1/jobs/${id}/stop`, { method: 'POST' });
    const job = await waitForJob(again, id, ['stopped', 'failed', 'succeeded']);
    assert.equal(job.state, 'stopped', JSON.stringify(job.outcome));
    assert.equal(job.attempts, 1, 'adopted, not restarted');
    assert.deepEqual(await steps(again, id), range(1, 14), 'every line applied exactly once');
  });

  it('marks a run lost when its process died with the server, and retries it from its checkpoint', async () => {
    const server = servers.at(-1)!;
    const id = await submit(server, spec(['--steps', '40', '--interval-ms', '40', '--ckpt-every', '10']));
    await waitFor(async () => (await server.api(`/api/v1/jobs/${id}`)).body.latest?.loss?.step >= 13, { what: 'step 13' });
    await server.kill9();
    killRuns(server.dataDir); // the machine lost the job's processes too
    const again = await server.restart();
    servers.push(again);
    const job = await waitForJob(again, id, ['succeeded', 'failed']);
    assert.equal(job.state, 'succeeded');
    assert.ok(['lost', 'signal'].includes(job.runs[0].outcome.kind), job.runs[0].outcome.kind);
    const resumed = job.runs[1].resumeStep;
    assert.ok(resumed >= 10 && resumed % 10 === 0, `resumed from a checkpoint step (${resumed})`);
    assert.deepEqual(await steps(again, id), range(1, 40));
  });
});
