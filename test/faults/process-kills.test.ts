/**
 * `kill -9` of training processes and of the run wrapper (src/executors/local/run-wrapper.sh) at
 * seeded random points (issue 15 §1), through a real server and real processes: each killed
 * attempt is classified (`signal`, SIGKILL), retried per the job's policy from its last
 * checkpoint with a continuous step axis, nothing of the killed attempt lives on beside its retry,
 * and no run stays `running`. The regression seeds run first, then a fresh seed (printed);
 * `FAULT_SEED=N` replays one seed alone; `FAULT_KILLS=N` sets the kills per seed (default 8).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readChildren, isAlive } from '../../src/executors/local/proc.ts';
import { createRandom } from '../fuzz/random.ts';
import { killRuns, REPO, startServer, waitFor, waitForJob, type TestServer } from '../harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');
/**
 * Seeds that found a bug, kept: 20261207 killed the wrapper at steps 25 and 13, whose trainer
 * lived on unwatched, wrote checkpoints the retry resumed from and ran beside the retry (fixed:
 * the local executor kills what is left of a run's process group once its wrapper is gone).
 */
const REGRESSION_SEEDS = [20261207];
const SEEDS = process.env.FAULT_SEED ? [Number(process.env.FAULT_SEED)] : [...REGRESSION_SEEDS, Math.floor(Math.random() * 2 ** 31)];
const KILLS = Number(process.env.FAULT_KILLS ?? 8);
const STEPS = 40;
const CKPT_EVERY = 5;

type Target = 'trainer' | 'wrapper';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The wrapper's pid, once it wrote it. */
function wrapperPid(dataDir: string, jobId: number, attempt: number): number | null {
  const file = join(dataDir, 'jobs', String(jobId), 'runs', String(attempt), 'pid');
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  return text.endsWith('\n') ? Number(text.trim()) : null;
}

describe('kill -9 of training processes and the run wrapper', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    killRuns(server.dataDir);
    await server.stop();
  });

  for (const SEED of SEEDS) it(`retries each killed attempt from its checkpoint, ${KILLS} kills, FAULT_SEED=${SEED}`, async () => {
    const random = createRandom(SEED);
    const started = Date.now();
    const plans = Array.from({ length: KILLS }, () => ({ target: random.pick<Target>(['trainer', 'wrapper']), atStep: random.int(0, STEPS - 5) }));
    console.log(`# FAULT_SEED=${SEED}: ${plans.map((p) => `${p.target}@${p.atStep}`).join(' ')}`);
    // Two at a time: kills land while another run reports.
    for (let i = 0; i < plans.length; i += 2) {
      await Promise.all(plans.slice(i, i + 2).map((plan) => killOnce(SEED, plan.target, plan.atStep)));
    }
    const { body } = await server.api('/api/v1/jobs?limit=1000');
    const jobs = body.jobs ?? body;
    for (const job of jobs) assert.ok(!['running', 'stopping', 'pausing'].includes(job.state), `job ${job.id} stays ${job.state} (FAULT_SEED=${SEED})`);
    console.log(`# ${KILLS} kills in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  async function killOnce(SEED: number, target: Target, atStep: number): Promise<void> {
    const what = `${target} killed at step ${atStep} (FAULT_SEED=${SEED})`;
    const { status, body } = await server.api('/api/v1/jobs', {
      body: { command: [process.execPath, TRAINER, '--steps', String(STEPS), '--interval-ms', '40', '--ckpt-every', String(CKPT_EVERY)], cwd: REPO, maxRetries: 2 },
    });
    assert.equal(status, 201, JSON.stringify(body));
    const id: number = body.id;
    const wrapper = await waitFor(() => wrapperPid(server.dataDir, id, 1), { what: `the wrapper of job ${id}` });
    // The trainer: the wrapper's child, once it runs (at step 0 the kill may come before it does).
    let trainer: number | null = null;
    if (atStep > 0) {
      const log = join(server.dataDir, 'jobs', String(id), 'runs', '1', 'log');
      await waitFor(() => readFileSync(log, 'utf8').includes(`metrics step=${atStep} `), { what: `job ${id} at step ${atStep}`, intervalMs: 5 });
      trainer = readChildren(wrapper)[0] ?? null;
      assert.ok(trainer, `${what}: the trainer runs under the wrapper`);
    } else if (target === 'trainer') {
      trainer = await waitFor(() => readChildren(wrapper)[0], { what: `the trainer of job ${id}` });
    }
    process.kill(target === 'wrapper' ? wrapper : trainer!, 'SIGKILL');
    await waitFor(async () => (await server.api(`/api/v1/jobs/${id}`)).body.runs?.[0]?.state !== 'running', { what: `attempt 1 of job ${id} to end` });
    // Nothing of the killed attempt lives on beside its retry (an orphaned trainer writing checkpoints).
    if (trainer !== null) {
      const gone = await waitFor(() => !isAlive(trainer!), { timeoutMs: 300, intervalMs: 10 }).catch(() => false);
      assert.ok(gone, `${what}: the first attempt's trainer ${trainer} lives on after its attempt ended`);
    }

    const job = await waitForJob(server, id, ['succeeded', 'failed']);
    assert.equal(job.state, 'succeeded', `${what}: ${JSON.stringify(job.outcome)}`);
    assert.equal(job.attempts, 2, what);
    assert.deepEqual([job.runs[0].state, job.runs[0].outcome.kind, job.runs[0].outcome.detail], ['failed', 'signal', 'SIGKILL'], what);
    const resumed = job.runs[1].resumeStep ?? 0;
    assert.ok(resumed % CKPT_EVERY === 0 && resumed < STEPS, `${what}: resumed from a checkpoint (${resumed})`);
    const { body: series } = await server.api(`/api/v1/jobs/${id}/metrics/loss?buckets=100000`);
    assert.deepEqual(series.steps, range(1, STEPS), `${what}: no duplicates or gaps across the retry`);
    const leftovers = readdirSync(join(server.dataDir, 'jobs', String(id), 'checkpoints')).filter((f) => f.endsWith('.tmp'));
    assert.deepEqual(leftovers, [], what);
  }
});
