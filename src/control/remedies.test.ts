/**
 * Remedies for failed runs through the control layer (fake executor, fake clock, real SQLite):
 * a `cuda-oom` retried with patched params until the bounds, `stopWhen`, the peak GPU memory a
 * run's executor measured.
 */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
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

const series = (key: string, steps: number[], values: number[]) => ({
  batchId: null, series: new Map([[key, { steps, values, times: steps.map(() => 0) }]]), maxStep: Math.max(...steps), latest: {},
});

const OOM_LINE = 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB';

describe('remedies', () => {
  it('retries a cuda-oom from its latest checkpoint with halved batch and doubled accumulation, then fails at the bound', async () => {
    const k = await kit();
    const job = await k.control.jobs.submit(k.spec({
      params: { batch_size: 4, grad_accum: 1, lr: 0.1 },
      maxRetries: 10,
      remedies: { cudaOom: { patch: { batch_size: { multiply: 0.5, min: 1, round: true }, grad_accum: { multiply: 2, max: 64 } }, maxTimes: 5 } },
    }));
    const seen: unknown[] = [];
    for (const attempt of [1, 2, 3]) {
      const fake = await k.run(job.id, attempt);
      seen.push(JSON.parse(fake.request!.env.TRAINYARD_PARAMS));
      if (attempt === 1) {
        const ref = await k.ref(job.id, 1);
        k.writeCheckpoint(job.id, 'c5');
        await k.control.intake.checkpoint(ref, { path: 'c5', step: 5, metrics: {} });
      }
      if (attempt > 1) assert.equal(fake.request!.env.TRAINYARD_RESUME_STEP, '5', `attempt ${attempt} resumes from the latest checkpoint`);
      appendFileSync(fake.request!.logPath, `step 6\n${OOM_LINE}\n`);
      fake.exit({ exitCode: 1 });
    }
    assert.deepEqual(seen, [
      { batch_size: 4, grad_accum: 1, lr: 0.1 },
      { batch_size: 2, grad_accum: 2, lr: 0.1 },
      { batch_size: 1, grad_accum: 4, lr: 0.1 },
    ]);
    const failed = await k.until(async () => ((await k.job(job.id)).state === 'failed' ? k.job(job.id) : null), 'the job to fail');
    assert.equal(failed.outcome?.detail, `cuda-oom: batch_size would go below its min 1 (1 → 0.5, rounded 1) after 2 patched retries (last: ${OOM_LINE})`);
    assert.equal(failed.outcome?.retryable, false);
    const runs = await k.store.listRuns(job.id);
    assert.deepEqual(runs.map((r) => r.params), seen, 'each run records the params it got');
    assert.deepEqual(runs.map((r) => r.outcome?.kind), ['cuda-oom', 'cuda-oom', 'cuda-oom']);
    // Each retry's params change is in the same transition as its events.
    const changes = (await k.store.listEvents({ jobId: job.id })).filter((e) => e.type === 'job.state_changed' && e.data.transition === 'run-ended');
    assert.deepEqual(changes.map((e) => e.type === 'job.state_changed' && e.data.to), ['queued', 'queued', 'failed']);
  });

  it('fails at maxTimes, and a cuda-oom without a remedy is retried with the same params', async () => {
    const k = await kit();
    const job = await k.control.jobs.submit(k.spec({ params: { batch_size: 64 }, remedies: { cudaOom: { patch: { batch_size: { multiply: 0.5 } }, maxTimes: 1 } } }));
    for (const attempt of [1, 2]) {
      const fake = await k.run(job.id, attempt);
      appendFileSync(fake.request!.logPath, `${OOM_LINE}\n`);
      fake.exit({ exitCode: 1 });
    }
    const failed = await k.until(async () => ((await k.job(job.id)).state === 'failed' ? k.job(job.id) : null), 'the job to fail');
    assert.match(failed.outcome?.detail ?? '', /^cuda-oom: gave up after 1 patched retry \(remedies\.cudaOom\.maxTimes 1\)/);
    assert.deepEqual((await k.store.listRuns(job.id)).map((r) => r.params), [{ batch_size: 64 }, { batch_size: 32 }]);

    const plain = await k.control.jobs.submit(k.spec({ params: { batch_size: 64 }, maxRetries: 1 }));
    const fake = await k.run(plain.id, 1);
    appendFileSync(fake.request!.logPath, `${OOM_LINE}\n`);
    fake.exit({ exitCode: 1 });
    const queued = await k.until(async () => ((await k.job(plain.id)).state === 'queued' ? k.job(plain.id) : null), 'a plain retry');
    assert.equal(queued.paramsOverride, null);
  });

  it('stops a job gracefully when a metric reaches its stopWhen target, and ends it succeeded with the reason', async () => {
    const k = await kit();
    const job = await k.control.jobs.submit(k.spec({ maxRetries: 3, stopWhen: { metric: 'val_loss', below: 0.45 } }));
    const fake = await k.run(job.id, 1);
    fake.ignoreSigterm = true; // it saves a checkpoint first
    const ref = await k.ref(job.id, 1);
    await k.until(async () => (await k.store.getRun(ref.runId))?.handle, 'the handle');
    await k.control.intake.metrics(ref, series('val_loss', [400, 800], [0.7, 0.5]));
    await k.control.intake.metrics(ref, series('loss', [1200], [0.2]));
    await k.control.intake.metrics(ref, series('val_loss', [1200, 1600], [0.43, 0.41]));
    await k.until(() => fake.signals.includes('SIGTERM'), 'SIGTERM');
    assert.equal((await k.job(job.id)).stopReason, 'target-reached');
    assert.deepEqual(await k.control.intake.status(ref, { message: 'saving' }, true), { stopRequested: true });
    k.writeCheckpoint(job.id, 'c1600');
    await k.control.intake.checkpoint(ref, { path: 'c1600', step: 1600, metrics: {} });
    fake.exit({ exitCode: 0 });
    const done = await k.until(async () => ((await k.job(job.id)).state === 'succeeded' ? k.job(job.id) : null), 'the job to succeed');
    const reason = 'stopWhen: val_loss 0.43 < 0.45 at step 1200';
    assert.deepEqual(done.outcome, { kind: 'success', detail: reason, retryable: false, step: 1200 });
    assert.equal(done.progress.message, reason, 'its status message says why it ended');
    const ended = (await k.store.listEvents({ jobId: job.id })).find((e) => e.type === 'run.ended');
    assert.ok(ended?.type === 'run.ended');
    assert.deepEqual([ended.data.state, ended.data.outcome.detail], ['succeeded', reason]);
    assert.equal(k.executor.runs.length, 1, 'not retried');
  });

  it('records the peak GPU memory its executor measured', async () => {
    const k = await kit();
    const job = await k.control.jobs.submit(k.spec({ resources: { gpus: 1 } }));
    const fake = await k.run(job.id, 1);
    fake.exit({ exitCode: 0, peakGpuMemoryMiB: 20_480 });
    await k.until(async () => (await k.job(job.id)).state === 'succeeded', 'success');
    const [run] = await k.store.listRuns(job.id);
    assert.equal(run.peakGpuMemoryMiB, 20_480);
    const ended = (await k.store.listEvents({ jobId: job.id })).find((e) => e.type === 'run.ended');
    assert.equal(ended?.type === 'run.ended' && ended.data.peakGpuMemoryMiB, 20_480);
  });

  it('keeps the checkpoint before a divergence when the stopped run checkpoints past it, and retries from there', async () => {
    const k = await kit();
    const job = await k.control.jobs.submit(k.spec({
      params: { lr: 0.1 }, retention: { keepLatest: 1 },
      watchdog: { divergence: { metric: 'loss', retryWithParams: { lr: 0.01 } } },
    }));
    const fake = await k.run(job.id, 1);
    fake.ignoreSigterm = true; // it saves a checkpoint on SIGTERM, as the contract asks
    const ref = await k.ref(job.id, 1);
    await k.until(async () => (await k.store.getRun(ref.runId))?.handle, 'the handle');
    for (const step of [10, 20]) {
      k.writeCheckpoint(job.id, `c${step}`);
      await k.control.intake.checkpoint(ref, { path: `c${step}`, step, metrics: { loss: 1 / step } });
    }
    await k.control.intake.metrics(ref, series('loss', [24, 25], [0.04, NaN]));
    await k.until(() => fake.signals.includes('SIGTERM'), 'SIGTERM');
    k.writeCheckpoint(job.id, 'c30');
    await k.control.intake.checkpoint(ref, { path: 'c30', step: 30, metrics: { loss: 0.03 } });
    const live = (await k.store.listCheckpoints(job.id)).filter((c) => !c.deleted).map((c) => c.step);
    assert.deepEqual(live, [20, 30], 'the last checkpoint before the divergence is kept');
    fake.exit({ exitCode: 0 });
    const retry = await k.run(job.id, 2);
    assert.equal(retry.request!.env.TRAINYARD_RESUME_STEP, '20', 'the retry resumes before the divergence, not from scratch');
    assert.equal(retry.request!.env.TRAINYARD_PARAMS, '{"lr":0.01}');
  });

  it('retries a divergence from before it when the server restarted while the run was stopping', async () => {
    let k = await kit();
    const job = await k.control.jobs.submit(k.spec({ watchdog: { divergence: { metric: 'loss', retryWithParams: { lr: 0.01 } } } }));
    const fake = await k.run(job.id, 1);
    fake.ignoreSigterm = true;
    const ref = await k.ref(job.id, 1);
    await k.until(async () => (await k.store.getRun(ref.runId))?.handle, 'the handle');
    for (const step of [10, 20]) {
      k.writeCheckpoint(job.id, `c${step}`);
      await k.control.intake.checkpoint(ref, { path: `c${step}`, step, metrics: {} });
    }
    await k.control.intake.metrics(ref, series('loss', [24, 25], [0.04, NaN]));
    await k.until(() => fake.signals.includes('SIGTERM'), 'SIGTERM');
    k.writeCheckpoint(job.id, 'c30');
    await k.control.intake.checkpoint(ref, { path: 'c30', step: 30, metrics: {} });
    k = await k.restart();
    kits.push(k);
    fake.exit({ exitCode: 0 });
    const retry = await k.run(job.id, 2);
    assert.equal(retry.request!.env.TRAINYARD_RESUME_STEP, '20');
    const [first] = await k.store.listRuns(job.id);
    assert.deepEqual([first.outcome?.kind, first.outcome?.step, first.outcome?.detail], ['diverged', 25, 'diverged: loss = NaN at step 25']);
  });
});
