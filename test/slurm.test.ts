/**
 * Jobs through a real server whose executor is Slurm, on a throwaway one-node cluster
 * (slurm-cluster.ts): success with metrics and checkpoints, stop, `scancel` from outside, and a
 * server restart that adopts a running Slurm job by its id.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, requireOrSkip, runCli, startServer, waitFor, waitForJob, type TestServer } from './harness.ts';
import { SLURM_REQUIREMENT, slurmAvailable, startSlurmCluster, type SlurmCluster } from './slurm-cluster.ts';

const skip = requireOrSkip(slurmAvailable(), SLURM_REQUIREMENT);
if (skip) console.log(`# skipped: ${skip}`);

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');
const spec = (args: string[], extra: Record<string, unknown> = {}) => ({ command: [process.execPath, TRAINER, ...args], cwd: REPO, ...extra });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('Slurm executor through a server', { skip, timeout: 300_000 }, () => {
  let cluster: SlurmCluster;
  let server: TestServer;
  const slurm = (tool: string, args: string[]) => execFileSync(tool, args, { env: { ...process.env, ...cluster.env }, encoding: 'utf8' });
  const submit = async (body: unknown): Promise<number> => {
    const { status, body: job } = await server.api('/api/v1/jobs', { body });
    assert.equal(status, 201, JSON.stringify(job));
    return job.id;
  };
  const slurmJobId = async (id: number): Promise<string> => {
    const job = await waitFor(async () => {
      const { body } = await server.api(`/api/v1/jobs/${id}`);
      return body.runs.at(-1)?.handle ? body : null;
    }, { what: `job ${id}'s Slurm job id` });
    const handle = job.runs.at(-1).handle;
    assert.equal(handle.executor, 'slurm');
    assert.match(handle.externalId, /^\d+$/);
    return handle.externalId;
  };
  const stepsDone = (id: number, at: number) => waitFor(async () => (await server.api(`/api/v1/jobs/${id}`)).body.latest?.loss?.step >= at, { what: `job ${id} past step ${at}` });

  before(async () => {
    cluster = await startSlurmCluster();
    server = await startServer({ env: { ...cluster.env, TRAINYARD_EXECUTOR: 'slurm', TRAINYARD_SLURM_POLL_SECONDS: '0.2' } });
  });
  after(async () => {
    await server?.stop();
    await cluster?.stop();
  });

  it('runs a job as a Slurm job to success, with metrics and checkpoints, its sbatch options from the spec', async () => {
    const id = await submit(spec(['--steps', '20', '--ckpt-every', '5'], { keepCheckpoints: 3, priority: 'high', slurm: { memory: '200M', time: 10 } }));
    const slurmId = await slurmJobId(id);
    const job = await waitForJob(server, id, ['succeeded', 'failed', 'stopped']);
    assert.equal(job.state, 'succeeded', JSON.stringify(job.outcome));
    assert.equal(job.attempts, 1);
    const { body: metrics } = await server.api(`/api/v1/jobs/${id}/metrics/loss?buckets=100000`);
    assert.deepEqual(metrics.steps, range(1, 20));
    const { body } = await server.api(`/api/v1/jobs/${id}/checkpoints`);
    assert.deepEqual(body.checkpoints.map((c: any) => [c.step, c.deleted]), [[5, true], [10, false], [15, false], [20, false]]);
    const log = await server.api(`/api/v1/jobs/${id}/log`);
    assert.match(log.body, /#trainyard metrics step=20/);
    // What Slurm was asked for: the job's name, memory, time and priority as --nice.
    const shown = slurm('scontrol', ['show', 'job', slurmId, '-o']);
    assert.match(shown, new RegExp(`JobName=trainyard-${id}-1 `));
    assert.match(shown, /Nice=500 /);
    assert.match(shown, /TimeLimit=00:10:00 /);
    assert.match(shown, /MinMemoryNode=200M /);
  });

  it('stops a job: SIGTERM through scancel, the final checkpoint registered', async () => {
    const id = await submit(spec(['--steps', '100000', '--interval-ms', '20', '--ckpt-every', '1000000']));
    await stepsDone(id, 5);
    await server.api(`/api/v1/jobs/${id}/stop`, { method: 'POST' });
    const job = await waitForJob(server, id, ['stopped', 'failed', 'succeeded']);
    assert.equal(job.state, 'stopped');
    assert.equal(job.outcome.kind, 'stopped');
    const { body } = await server.api(`/api/v1/jobs/${id}/checkpoints`);
    assert.equal(body.checkpoints.length, 1, 'the final checkpoint written on SIGTERM');
  });

  it('classifies a job cancelled with scancel from outside as stopped, not retried', async () => {
    const id = await submit(spec(['--steps', '100000', '--interval-ms', '20', '--ckpt-every', '1000000'], { maxRetries: 3 }));
    const slurmId = await slurmJobId(id);
    await stepsDone(id, 3);
    slurm('scancel', [slurmId]);
    const job = await waitForJob(server, id, ['stopped', 'failed', 'succeeded', 'queued']);
    assert.equal(job.state, 'stopped', JSON.stringify(job.outcome));
    assert.equal(job.outcome.kind, 'stopped');
    assert.match(job.outcome.detail, /cancelled in Slurm outside Trainyard/);
    assert.equal(job.attempts, 1);
  });

  it("shows Slurm's state and queue reason of a waiting job, and stops it by cancelling it in Slurm", async () => {
    const id = await submit(spec(['--steps', '5'], { slurm: { extraArgs: ['--begin=now+1hour'] } }));
    const slurmId = await slurmJobId(id);
    const job = await waitFor(async () => {
      const { body } = await server.api(`/api/v1/jobs/${id}`);
      return body.runs.at(-1)?.executorState ? body : null;
    }, { what: `job ${id}'s Slurm state` });
    assert.deepEqual(job.runs.at(-1).executorState, { state: 'PENDING', reason: 'BeginTime' });
    const shown = await runCli(['show', String(id)], { dataDir: server.dataDir });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`slurm:\\s+job ${slurmId} PENDING \\(BeginTime\\)`));
    await server.api(`/api/v1/jobs/${id}/stop`, { method: 'POST' });
    const stopped = await waitForJob(server, id, ['stopped', 'failed', 'succeeded']);
    assert.equal(stopped.state, 'stopped');
    assert.equal(stopped.outcome.kind, 'stopped');
    const listed = JSON.parse(slurm('squeue', ['--json'])).jobs.find((j: any) => String(j.job_id) === slurmId);
    assert.equal(listed.job_state, 'CANCELLED', 'cancelled in Slurm, never started');
  });

  it('after a server restart, adopts a running Slurm job by its id and sees it through', async () => {
    const id = await submit(spec(['--steps', '60', '--interval-ms', '50', '--ckpt-every', '20']));
    const slurmId = await slurmJobId(id);
    await stepsDone(id, 5);
    await server.kill9();
    server = await server.restart();
    const job = await waitForJob(server, id, ['succeeded', 'failed', 'stopped']);
    assert.equal(job.state, 'succeeded', JSON.stringify(job.outcome));
    assert.equal(job.attempts, 1, 'the same Slurm job, not a retry');
    assert.match(server.output(), new RegExp(`re-attaching to slurm run ${slurmId}`));
    const { body: metrics } = await server.api(`/api/v1/jobs/${id}/metrics/loss?buckets=100000`);
    assert.deepEqual(metrics.steps, range(1, 60));
  });
});
