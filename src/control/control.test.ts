/**
 * The control layer with a fake executor and a fake clock over a real SQLite store: each
 * orchestration case, fast and exact. (test/lifecycle.test.ts and test/scheduling.test.ts keep a
 * few of them end to end, with real processes.)
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { RETRY_BASE_MS } from '../core/retry.ts';
import { createKit, type Kit } from './test-kit.ts';

const kits: Kit[] = [];
after(async () => {
  for (const kit of kits) await kit.close().catch(() => {});
});

async function kit(): Promise<Kit> {
  const k = await createKit();
  kits.push(k);
  return k;
}

const points = (steps: number[]) => new Map([['loss', { steps, values: steps.map((s) => 1 / s), times: steps.map(() => 0) }]]);
const batch = (steps: number[], batchId: string | null = null) => ({
  batchId, series: points(steps), maxStep: Math.max(...steps), latest: { loss: { step: Math.max(...steps), value: 1 / Math.max(...steps) } },
});

describe('control', () => {
  it('starts a submitted job on a slot, takes its reports through the intake, and ends it', async () => {
    const k = await kit();
    const job = await k.control.jobs.submit(k.spec({ params: { lr: 0.1 } }));
    const fake = await k.run(job.id, 1);
    assert.equal(fake.request?.env.TRAINYARD_JOB_ID, String(job.id));
    assert.equal(fake.request?.env.TRAINYARD_PARAMS, '{"lr":0.1}');
    assert.equal((await k.job(job.id)).state, 'running');
    const ref = await k.ref(job.id, 1);
    await k.until(async () => (await k.store.getRun(ref.runId))?.handle, 'the handle to be recorded');
    assert.deepEqual(await k.control.intake.metrics(ref, batch([1, 2, 3], 'b1')), { accepted: 3, duplicate: false });
    assert.deepEqual(await k.control.intake.metrics(ref, batch([1, 2, 3], 'b1')), { accepted: 0, duplicate: true });
    k.writeCheckpoint(job.id, 'step-3.bin');
    const checkpoint = await k.control.intake.checkpoint(ref, { path: 'step-3.bin', step: 3, metrics: { loss: 0.3 } });
    assert.equal(checkpoint.step, 3);
    assert.deepEqual(await k.control.intake.status(ref, { message: 'epoch 1/1' }, true), { stopRequested: false });
    fake.exit({ exitCode: 0 });
    const done = await k.until(async () => ((await k.job(job.id)).state === 'succeeded' ? k.job(job.id) : null), 'success');
    assert.equal(done.progress.step, 3);
    assert.equal(done.progress.message, 'epoch 1/1');
    assert.deepEqual((await k.store.listEvents({ jobId: job.id })).map((e) => e.type), [
      'job.submitted', 'job.state_changed', 'run.started', 'checkpoint.registered', 'run.ended', 'job.state_changed',
    ]);
  });

  it('retries a failed run after its backoff, from its latest checkpoint, superseding later points', async () => {
    const k = await kit();
    const job = await k.control.jobs.submit(k.spec({ maxRetries: 1 }));
    const first = await k.run(job.id, 1);
    const ref = await k.ref(job.id, 1);
    await k.control.intake.metrics(ref, batch([1, 2, 3, 4, 5]));
    k.writeCheckpoint(job.id, 'c3');
    await k.control.intake.checkpoint(ref, { path: 'c3', step: 3, metrics: {} });
    first.exit({ exitCode: 2 });
    const queued = await k.until(async () => ((await k.job(job.id)).state === 'queued' ? k.job(job.id) : null), 'the retry to be queued');
    assert.equal(queued.notBefore, k.now() + RETRY_BASE_MS);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(k.executor.runs.length, 1, 'no start before the backoff');
    k.advance(RETRY_BASE_MS);
    const second = await k.run(job.id, 2);
    assert.equal(second.request?.env.TRAINYARD_RESUME_STEP, '3');
    assert.deepEqual(Array.from((await k.store.readSeries(job.id, 'loss')).steps), [1, 2, 3]);
    second.exit({ exitCode: 2 });
    const failed = await k.until(async () => ((await k.job(job.id)).state === 'failed' ? k.job(job.id) : null), 'retries to run out');
    assert.equal(failed.outcome?.detail, 'exit code 2');
  });

  it('stops a running job with SIGTERM, and SIGKILL after its grace period when ignored', async () => {
    const k = await kit();
    const job = await k.control.jobs.submit(k.spec({ stopGraceSeconds: 0.05 }));
    const fake = await k.run(job.id, 1);
    await k.until(async () => (await k.store.getRun((await k.ref(job.id, 1)).runId))?.handle, 'the handle');
    fake.ignoreSigterm = true;
    assert.equal((await k.control.jobs.requestStop(job.id)).state, 'stopping');
    const stopped = await k.until(async () => ((await k.job(job.id)).state === 'stopped' ? k.job(job.id) : null), 'the stop');
    assert.deepEqual(fake.signals, ['SIGTERM', 'SIGKILL']);
    assert.equal(stopped.outcome?.kind, 'stopped');
  });

  it('stops a queued job without a run, and holds, resumes and refuses by state', async () => {
    const k = await kit();
    const blocker = await k.control.jobs.submit(k.spec({ resources: { gpus: 2 } }));
    await k.run(blocker.id, 1);
    const waiting = await k.control.jobs.submit(k.spec({ resources: { gpus: 1 } }));
    assert.equal((await k.control.jobs.pause(waiting.id)).state, 'paused');
    await assert.rejects(k.control.jobs.moveToFront(waiting.id), /only a queued job can be moved/);
    assert.equal((await k.control.jobs.resume(waiting.id)).state, 'queued');
    await assert.rejects(k.control.jobs.resume(waiting.id), /only a paused job can be resumed/);
    const stopped = await k.control.jobs.requestStop(waiting.id);
    assert.deepEqual([stopped.state, stopped.outcome?.detail], ['stopped', 'stopped before it started']);
    await assert.rejects(k.control.jobs.pause(waiting.id), /only a queued or running job can be paused/);
    assert.equal(k.executor.runs.length, 1);
  });

  it('pauses a running job through its checkpoint, and resumes it from there', async () => {
    const k = await kit();
    const job = await k.control.jobs.submit(k.spec());
    await k.run(job.id, 1);
    const ref = await k.ref(job.id, 1);
    await k.until(async () => (await k.store.getRun(ref.runId))?.handle, 'the handle');
    k.writeCheckpoint(job.id, 'c7');
    await k.control.intake.checkpoint(ref, { path: 'c7', step: 7, metrics: {} });
    assert.equal((await k.control.jobs.pause(job.id)).state, 'pausing');
    await k.until(async () => (await k.job(job.id)).state === 'paused', 'the pause');
    assert.equal((await k.control.jobs.resume(job.id)).state, 'queued');
    const second = await k.run(job.id, 2);
    assert.equal(second.request?.env.TRAINYARD_RESUME_STEP, '7');
  });

  it('fails a job whose dependency failed, and one no slot can ever hold', async () => {
    const k = await kit();
    const upstream = await k.control.jobs.submit(k.spec());
    const downstream = await k.control.jobs.submit(k.spec({ after: [upstream.id] }));
    const huge = await k.control.jobs.submit(k.spec({ resources: { gpus: 8 } }));
    (await k.run(upstream.id, 1)).exit({ exitCode: 78 });
    const failed = await k.until(async () => ((await k.job(downstream.id)).state === 'failed' ? k.job(downstream.id) : null), 'the dependent job to fail');
    assert.equal(failed.outcome?.kind, 'dependency-failed');
    const refused = await k.job(huge.id);
    assert.deepEqual([refused.state, refused.outcome?.kind], ['failed', 'config-error']);
    assert.equal(k.executor.runs.length, 1);
  });

  it('stops a run whose loss diverged', async () => {
    const k = await kit();
    const job = await k.control.jobs.submit(k.spec({ watchdog: { divergence: { metric: 'loss' } } }));
    const fake = await k.run(job.id, 1);
    const ref = await k.ref(job.id, 1);
    await k.until(async () => (await k.store.getRun(ref.runId))?.handle, 'the handle');
    await k.control.intake.metrics(ref, { batchId: null, series: new Map([['loss', { steps: [1, 2], values: [0.5, NaN], times: [0, 0] }]]), maxStep: 2, latest: {} });
    await k.until(() => fake.signals.includes('SIGTERM'), 'SIGTERM');
    const job2 = await k.until(async () => ((await k.job(job.id)).state === 'failed' ? k.job(job.id) : null), 'the job to fail');
    assert.deepEqual([job2.outcome?.kind, job2.outcome?.step], ['diverged', 2]);
  });

  it('after a restart, adopts a run still alive, reads one that ended, and loses one that vanished', async () => {
    let k = await kit();
    const alive = await k.control.jobs.submit(k.spec());
    const ended = await k.control.jobs.submit(k.spec());
    await k.run(alive.id, 1);
    const endedRun = await k.run(ended.id, 1);
    for (const id of [alive.id, ended.id]) await k.until(async () => (await k.store.getRun((await k.ref(id, 1)).runId))?.handle, 'handles');
    await k.close();
    endedRun.exit({ exitCode: 0 }); // while no server watched
    k = await k.restart();
    kits.push(k);
    await k.until(async () => (await k.job(ended.id)).state === 'succeeded', 'the ended run to be read');
    assert.equal((await k.job(alive.id)).state, 'running');
    const aliveRun = await k.run(alive.id, 1);
    await k.close();
    aliveRun.statusRecorded = false;
    aliveRun.exit({ exitCode: null, signal: 'SIGKILL' }); // vanished with the machine's state
    k = await k.restart();
    kits.push(k);
    const requeued = await k.until(async () => ((await k.job(alive.id)).state === 'queued' ? k.job(alive.id) : null), 'the lost run to end');
    assert.equal((await k.store.listRuns(alive.id))[0].outcome?.kind, 'lost');
    assert.equal(requeued.outcome?.kind, 'lost');
    k.advance(RETRY_BASE_MS);
    await k.run(alive.id, 2);
  });
});
