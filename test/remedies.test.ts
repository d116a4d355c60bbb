/**
 * Remedies for failed runs end to end, with real processes: a job that runs out of CUDA memory
 * is retried with the patched params its spec declares until it fits, and a job stops itself
 * (succeeded, the reason recorded) when its falling loss reaches the `stopWhen` target.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cliJson, REPO, runCli, tempDir, useServer, waitForJob, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');

async function submit(server: TestServer, body: unknown): Promise<number> {
  const { status, body: job } = await server.api('/api/v1/jobs', { body });
  assert.equal(status, 201, JSON.stringify(job));
  return job.id;
}

describe('remedies', () => {
  const server = useServer({ env: { TRAINYARD_GPUS: 'none', TRAINYARD_CPU_SLOTS: '2' } });

  it('retries a cuda-oom with a halved batch and doubled accumulation until it fits, shown per attempt', async () => {
    const work = tempDir('trainyard-oom-');
    // Runs out of memory above a batch of 8, as a real model too large for the card would.
    writeFileSync(join(work, 'oom.mjs'), [
      "const params = JSON.parse(process.env.TRAINYARD_PARAMS);",
      "console.log(`batch_size=${params.batch_size} grad_accum=${params.grad_accum}`);",
      "if (params.batch_size > 8) { console.error('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 4.00 GiB'); process.exit(1); }",
      "console.log('#trainyard metrics step=1 loss=0.5');",
    ].join('\n'));
    const id = await submit(server(), {
      name: 'oom', command: [process.execPath, 'oom.mjs'], cwd: work,
      params: { batch_size: 32, grad_accum: 1, lr: 0.001 },
      remedies: { cudaOom: { patch: { batch_size: { multiply: 0.5, min: 1, round: true }, grad_accum: { multiply: 2, max: 64 } }, maxTimes: 3 } },
    });
    const job = await waitForJob(server(), id, ['succeeded', 'failed']);
    assert.equal(job.state, 'succeeded', JSON.stringify(job.outcome));
    assert.deepEqual(job.runs.map((r: any) => [r.outcome.kind, r.params]), [
      ['cuda-oom', { batch_size: 32, grad_accum: 1, lr: 0.001 }],
      ['cuda-oom', { batch_size: 16, grad_accum: 2, lr: 0.001 }],
      ['success', { batch_size: 8, grad_accum: 4, lr: 0.001 }],
    ]);
    assert.deepEqual(job.paramsOverride, { batch_size: 8, grad_accum: 4 });
    assert.equal(job.runs[2].peakGpuMemoryMiB, null, 'a CPU run has no GPU memory to measure');
    const shown = await runCli(['show', String(id)], { dataDir: server().dataDir });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^remedies: +on cuda-oom retry with batch_size ×0\.5 \(min 1, rounded\), grad_accum ×2 \(max 64\); at most 3 times$/m);
    assert.match(shown.stdout, /^ +3 .*batch_size=8 grad_accum=4$/m);
    assert.deepEqual(cliJson(await runCli(['show', String(id), '--json'], { dataDir: server().dataDir })).runs[1].params, { batch_size: 16, grad_accum: 2, lr: 0.001 });
  });

  it('fails a cuda-oom job with the reason once the bounds are reached', async () => {
    const work = tempDir('trainyard-oom-');
    writeFileSync(join(work, 'oom.mjs'), "console.error('RuntimeError: CUDA out of memory.'); process.exit(1);\n");
    const id = await submit(server(), {
      command: [process.execPath, 'oom.mjs'], cwd: work, params: { batch_size: 4 },
      remedies: { cudaOom: { patch: { batch_size: { multiply: 0.5, min: 2 } } } },
    });
    const job = await waitForJob(server(), id, ['succeeded', 'failed']);
    assert.equal(job.state, 'failed');
    assert.equal(job.outcome.detail, 'cuda-oom: batch_size would go below its min 2 (2 → 1) after 1 patched retry (last: RuntimeError: CUDA out of memory.)');
    assert.equal(job.attempts, 2);
  });

  it('refuses a remedy that patches a param the spec does not have, naming the field', async () => {
    const { status, body } = await server().api('/api/v1/jobs', {
      body: { command: ['true'], cwd: REPO, params: { lr: 0.1 }, remedies: { cudaOom: { patch: { batch_size: { multiply: 0.5 } } } } },
    });
    assert.equal(status, 400);
    assert.match(JSON.stringify(body), /remedies\.cudaOom\.patch\.batch_size/);
    assert.match(JSON.stringify(body), /params\.batch_size, which must be a number in params; got nothing/);
  });

  it('stops a job whose loss falls below its stopWhen target: it checkpoints, succeeds, and says why', async () => {
    const id = await submit(server(), {
      name: 'target', command: [process.execPath, TRAINER, '--steps', '100000', '--interval-ms', '20', '--ckpt-every', '1000'], cwd: REPO,
      stopGraceSeconds: 10, maxRetries: 3, stopWhen: { metric: 'loss', below: 0.05 },
    });
    const job = await waitForJob(server(), id, ['succeeded', 'failed', 'stopped']);
    assert.equal(job.state, 'succeeded', JSON.stringify(job.outcome));
    // loss = 1/step: 1/21 ≈ 0.047619 is the first below 0.05.
    const reason = 'stopWhen: loss 0.047619 < 0.05 at step 21';
    assert.deepEqual(job.outcome, { kind: 'success', detail: reason, retryable: false, step: 21 });
    assert.equal(job.progress.message, reason);
    assert.equal(job.attempts, 1, 'not retried');
    assert.deepEqual([job.runs[0].state, job.runs[0].outcome.detail], ['succeeded', reason]);
    const checkpoints = (await server().api(`/api/v1/jobs/${id}/checkpoints`)).body.checkpoints;
    assert.ok(checkpoints.length === 1 && checkpoints[0].step >= 21, `the script checkpointed on SIGTERM: ${JSON.stringify(checkpoints)}`);
    const { events } = (await server().api(`/api/v1/events?job=${id}&types=run.ended`)).body;
    const [ended] = events;
    assert.equal(ended.data.outcome.detail, reason);
  });
});
