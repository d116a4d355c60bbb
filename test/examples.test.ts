/**
 * The bundled examples end to end, as a user runs them: `trainyard submit <job.yaml>` through
 * the real CLI against a real server, then the job's metrics and checkpoints through the API.
 * The PyTorch example needs Debian's python3-torch and python3-sklearn: skipped without them,
 * except under TRAINYARD_REQUIRE_ALL=1 (CI), where it must run.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { BIN, hasTorch, REPO, requireOrSkip, useServer, waitForJob } from './harness.ts';

describe('bundled examples', () => {
  const server = useServer();

  function submit(file: string, ...params: string[]): number {
    const out = execFileSync(process.execPath, [BIN, 'submit', file, '--json', ...params.flatMap((p) => ['--param', p])], {
      cwd: REPO,
      env: { ...process.env, TRAINYARD_URL: server().url, TRAINYARD_TOKEN: server().adminToken },
      encoding: 'utf8',
    });
    return JSON.parse(out).id;
  }

  async function series(id: number, key: string): Promise<{ steps: number[]; values: number[] }> {
    return (await server().api(`/api/v1/jobs/${id}/metrics/${key}?buckets=100000`)).body;
  }

  it('char-lm (pure TypeScript) learns, evaluates and checkpoints', async () => {
    const id = submit('examples/char-lm/job.yaml', 'steps=300', 'evalEvery=100', 'ckptEvery=100');
    const job = await waitForJob(server(), id, ['succeeded', 'failed'], 180_000);
    assert.equal(job.state, 'succeeded', JSON.stringify(job.outcome));
    const loss = await series(id, 'loss');
    assert.ok(loss.steps.length > 0);
    assert.ok(loss.values.at(-1)! < loss.values[0] * 0.8, `loss fell: ${loss.values[0]} → ${loss.values.at(-1)}`);
    assert.ok((await series(id, 'val_loss')).steps.length >= 2, 'held-out metric logged');
    const { body } = await server().api(`/api/v1/jobs/${id}/checkpoints`);
    assert.equal(body.checkpoints.at(-1).step, 300);
  });

  it('pytorch-digits (Python SDK) trains to a useful accuracy', { skip: requireOrSkip(hasTorch(), '/usr/bin/python3 with torch and sklearn') }, async () => {
    const id = submit('examples/pytorch-digits/job.yaml', 'epochs=4', 'ckpt_every=90');
    const job = await waitForJob(server(), id, ['succeeded', 'failed'], 300_000);
    assert.equal(job.state, 'succeeded', JSON.stringify(job.outcome));
    const keys = (await server().api(`/api/v1/jobs/${id}/metrics`)).body.series.map((s: { key: string }) => s.key);
    const accuracyKey = keys.find((k: string) => /acc/.test(k) && /val/.test(k));
    assert.ok(accuracyKey, `a validation accuracy series among ${keys.join(', ')}`);
    const accuracy = await series(id, accuracyKey);
    assert.ok(accuracy.values.at(-1)! > 0.8, `validation accuracy ${accuracy.values.at(-1)}`);
    const { body } = await server().api(`/api/v1/jobs/${id}/checkpoints`);
    assert.ok(body.checkpoints.length >= 1, 'a registered checkpoint');
  });
});
