/**
 * Scheduling end to end with real processes: priorities, GPU placement, preemption and
 * resume, pause/resume by the user, watchdogs (stuck, diverged, time limit), dependencies,
 * and the timeline. GPUs are simulated with TRAINYARD_GPUS: a job sees its indices in
 * CUDA_VISIBLE_DEVICES, which is all placement means to a process.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killRuns, REPO, startServer, waitFor, waitForJob, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');
const trainer = (args: string[], extra: Record<string, unknown> = {}) => ({ command: [process.execPath, TRAINER, ...args], cwd: REPO, ...extra });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function submit(server: TestServer, body: unknown): Promise<number> {
  const { status, body: job } = await server.api('/api/v1/jobs', { body });
  assert.equal(status, 201, JSON.stringify(job));
  return job.id;
}

async function steps(server: TestServer, id: number): Promise<number[]> {
  return (await server.api(`/api/v1/jobs/${id}/metrics/loss?buckets=100000`)).body.steps;
}

async function log(server: TestServer, id: number, attempt = 1): Promise<string> {
  return (await server.api(`/api/v1/jobs/${id}/log?attempt=${attempt}`)).body;
}

describe('scheduling', () => {
  const servers: TestServer[] = [];
  /** Four CPU slots, shared by the tests from pause/resume on. */
  let shared: TestServer;
  before(async () => {
    shared = await startServer({ env: { TRAINYARD_GPUS: 'none', TRAINYARD_CPU_SLOTS: '4' } });
    servers.push(shared);
  });
  after(async () => {
    for (const s of servers) {
      killRuns(s.dataDir);
      await s.stop().catch(() => {});
    }
  });

  it('places GPU jobs on distinct GPUs, and a high-priority job preempts a preemptible one that later resumes', async () => {
    const server = await startServer({ env: { TRAINYARD_GPUS: '0,1', TRAINYARD_CPU_SLOTS: '0' } });
    servers.push(server);
    const a = await submit(server, trainer(['--steps', '80', '--interval-ms', '50', '--ckpt-every', '5'], { name: 'a', resources: { gpus: 1 }, preemptible: true, priority: 'low' }));
    const b = await submit(server, trainer(['--steps', '100000', '--interval-ms', '50'], { name: 'b', resources: { gpus: 1 }, stopGraceSeconds: 2 }));
    await waitForJob(server, a, ['running']);
    await waitForJob(server, b, ['running']);
    await waitFor(async () => /attempt=1/.test(await log(server, a)) && /attempt=1/.test(await log(server, b)), { what: 'both started' });
    const gpuOf = async (id: number) => /gpus=(\d)/.exec(await log(server, id))![1];
    assert.notEqual(await gpuOf(a), await gpuOf(b), 'each job has its own GPU');
    await waitFor(async () => (await server.api(`/api/v1/jobs/${a}/checkpoints`)).body.checkpoints.length > 0, { what: 'a checkpoint of a' });

    const high = await submit(server, trainer(['--steps', '10', '--interval-ms', '20'], { name: 'urgent', resources: { gpus: 1 }, priority: 'high' }));
    const urgent = await waitForJob(server, high, ['succeeded', 'failed']);
    assert.equal(urgent.state, 'succeeded');
    const preempted = (await server.api(`/api/v1/jobs/${a}`)).body;
    assert.equal(preempted.runs[0].outcome.kind, 'preempted');
    assert.equal((await server.api(`/api/v1/jobs/${b}`)).body.runs.length, 1, 'the non-preemptible job was left alone');

    const done = await waitForJob(server, a, ['succeeded', 'failed'], 120_000);
    assert.equal(done.state, 'succeeded');
    assert.ok(done.runs[1].resumeStep > 0, 'resumed from its checkpoint');
    assert.deepEqual(await steps(server, a), range(1, 80), 'a continuous step axis across the preemption');

    const timeline = (await server.api(`/api/v1/timeline?from=${done.createdAt - 1000}`)).body;
    assert.deepEqual(timeline.lanes, ['gpu-0', 'gpu-1']);
    for (const id of [a, b, high]) assert.ok(timeline.bars.some((bar: { jobId: number }) => bar.jobId === id), `job ${id} on the timeline`);
    await server.api(`/api/v1/jobs/${b}/stop`, { method: 'POST' });
  });

  it('starts waiting jobs by priority class, then number, then submission', async () => {
    const server = await startServer({ env: { TRAINYARD_GPUS: 'none', TRAINYARD_CPU_SLOTS: '1' } });
    servers.push(server);
    const blocker = await submit(server, trainer(['--steps', '100000', '--interval-ms', '20'], { name: 'blocker', stopGraceSeconds: 1 }));
    await waitForJob(server, blocker, ['running']);
    const quick = (name: string, priority: unknown) => submit(server, trainer(['--steps', '2', '--interval-ms', '1'], { name, priority }));
    const low = await quick('low', 'low');
    const normal = await quick('normal', 'normal');
    const normal5 = await quick('normal5', 5);
    const high = await quick('high', 'high');
    const moved = await quick('moved', 'normal');
    assert.equal((await server.api(`/api/v1/jobs/${moved}/move`, { body: { to: 'front' } })).status, 200);
    await server.api(`/api/v1/jobs/${blocker}/stop`, { method: 'POST' });
    const jobs = await Promise.all([high, normal5, moved, normal, low].map((id) => waitForJob(server, id, ['succeeded'])));
    const started = jobs.map((j) => j.startedAt);
    assert.deepEqual([...started].sort((x, y) => x - y), started, `start order ${jobs.map((j) => j.name).join(', ')}`);
  });

  it('pauses and resumes a job by request, from its checkpoint', async () => {
    const server = shared;
    const id = await submit(server, trainer(['--steps', '40', '--interval-ms', '40', '--ckpt-every', '1000']));
    await waitFor(async () => (await server.api(`/api/v1/jobs/${id}`)).body.latest?.loss?.step >= 5, { what: 'step 5' });
    assert.equal((await server.api(`/api/v1/jobs/${id}/pause`, { method: 'POST' })).status, 200);
    const paused = await waitForJob(server, id, ['paused']);
    assert.equal(paused.runs[0].outcome.kind, 'paused');
    assert.equal((await server.api(`/api/v1/jobs/${id}/resume`, { method: 'POST' })).status, 200);
    const done = await waitForJob(server, id, ['succeeded', 'failed']);
    assert.equal(done.state, 'succeeded');
    assert.equal(done.runs[1].resumeStep, paused.latest.loss.step, 'resumed from the checkpoint written on pause');
    assert.deepEqual(await steps(server, id), range(1, 40));
    const again = await server.api(`/api/v1/jobs/${id}/resume`, { method: 'POST' });
    assert.equal(again.status, 409);
    assert.match(again.body.error.message, /only a paused job can be resumed/);
  });

  it('retries a stuck job from its checkpoint, and leaves a slow but progressing one alone', async () => {
    const server = shared;
    const stuck = await submit(server, trainer(['--steps', '12', '--interval-ms', '20', '--ckpt-every', '3', '--hang-at', '7'], { watchdog: { stuckSeconds: 1.5 }, stopGraceSeconds: 2 }));
    const slow = await submit(server, trainer(['--steps', '4', '--interval-ms', '900'], { watchdog: { stuckSeconds: 2.5 } }));
    const [s, w] = await Promise.all([waitForJob(server, stuck, ['succeeded', 'failed']), waitForJob(server, slow, ['succeeded', 'failed'])]);
    assert.equal(s.state, 'succeeded');
    assert.equal(s.runs[0].outcome.kind, 'stuck');
    assert.ok(s.runs[1].resumeStep >= 6);
    assert.deepEqual(await steps(server, stuck), range(1, 12));
    assert.equal(w.state, 'succeeded');
    assert.equal(w.attempts, 1, 'the slow job was not touched');
  });

  it('stops a diverging job, and retries it from the last good checkpoint with changed params when asked', async () => {
    const server = shared;
    const plain = await submit(server, trainer(['--steps', '30', '--interval-ms', '20', '--ckpt-every', '4', '--nan-at', '10'], { stopGraceSeconds: 2 }));
    const failed = await waitForJob(server, plain, ['failed', 'succeeded']);
    assert.equal(failed.state, 'failed');
    assert.equal(failed.outcome.kind, 'diverged');
    assert.match(failed.outcome.detail, /loss = NaN at step 10/);

    const retried = await submit(server, trainer(['--steps', '30', '--interval-ms', '20', '--ckpt-every', '4', '--nan-at', '10'], {
      params: { lr: 0.1 }, stopGraceSeconds: 2, watchdog: { divergence: { retryWithParams: { lr: 0.01 } } },
    }));
    const done = await waitForJob(server, retried, ['failed', 'succeeded']);
    assert.equal(done.state, 'succeeded', JSON.stringify(done.outcome));
    assert.equal(done.runs[0].outcome.kind, 'diverged');
    assert.ok(done.runs[1].resumeStep < 10, `resumed before the divergence (${done.runs[1].resumeStep})`);
    assert.match(await log(server, retried, 2), /params=\{"lr":0.01\}/);
    assert.deepEqual(done.paramsOverride, { lr: 0.01 });
  });

  it('enforces a time limit', async () => {
    const server = shared;
    const id = await submit(server, trainer(['--steps', '100000', '--interval-ms', '20'], { timeLimitSeconds: 1, stopGraceSeconds: 2 }));
    const job = await waitForJob(server, id, ['failed', 'succeeded']);
    assert.equal(job.outcome.kind, 'time-limit');
  });

  it('runs dependencies in order and fails fast when one fails', async () => {
    const server = shared;
    const first = await submit(server, trainer(['--steps', '5', '--interval-ms', '30']));
    const second = await submit(server, trainer(['--steps', '2', '--interval-ms', '1'], { after: [first] }));
    const broken = await submit(server, { command: ['false'], cwd: REPO, maxRetries: 0 });
    const never = await submit(server, trainer(['--steps', '2'], { after: [first, broken] }));
    const [a, b, n] = await Promise.all([first, second, never].map((id) => waitForJob(server, id, ['succeeded', 'failed'])));
    assert.equal(b.state, 'succeeded');
    assert.ok(b.startedAt >= a.endedAt, 'started after its dependency ended');
    assert.equal(n.state, 'failed');
    assert.equal(n.outcome.kind, 'dependency-failed');
    assert.equal(n.attempts, 0);
  });
});
