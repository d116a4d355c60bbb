/**
 * Bad input and wrong tokens against a real server: each is refused with a clear error that
 * names the field, nothing is half-stored, and the server keeps serving.
 */
import assert from 'node:assert/strict';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killRuns, REPO, startServer, tempDir, waitFor, waitForJob, type TestServer } from './harness.ts';

describe('API safety', () => {
  let server: TestServer;
  let runA: { token: string; runId: number; jobId: number };
  let runB: { token: string; runId: number; jobId: number };
  const scratch = tempDir();

  /** A job that writes its run token, run id and job id to a file, then waits to be stopped. */
  async function startTokenJob(name: string) {
    const out = join(scratch, name);
    const { body } = await server.api('/api/v1/jobs', {
      body: {
        name,
        command: `echo "$TRAINYARD_TOKEN $TRAINYARD_RUN_ID $TRAINYARD_JOB_ID" > ${out}.tmp && mv ${out}.tmp ${out}; exec sleep 600`,
        shell: true,
        cwd: REPO,
        stopGraceSeconds: 2,
      },
    });
    const line = await waitFor(() => {
      try {
        return readFileSync(out, 'utf8').trim();
      } catch {
        return null;
      }
    }, { what: `${name} to start` });
    const [token, runId, jobId] = line.split(' ');
    assert.equal(Number(jobId), body.id);
    return { token, runId: Number(runId), jobId: Number(jobId) };
  }

  before(async () => {
    server = await startServer();
    runA = await startTokenJob('a');
    runB = await startTokenJob('b');
  });
  after(async () => {
    killRuns(server.dataDir);
    await server.stop();
  });

  it('needs a token for every API route', async () => {
    assert.equal((await server.api('/api/v1/jobs', { token: null })).status, 401);
    const bad = await server.api('/api/v1/jobs', { token: 'ty_0000000000000000_' + 'x'.repeat(43) });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error.code, 'unauthorized');
    assert.equal((await server.api('/health', { token: null })).status, 200);
  });

  it('refuses an invalid spec with the field named, storing nothing', async () => {
    const before = (await server.api('/api/v1/jobs')).body.jobs.length;
    const cases: Array<[unknown, string]> = [
      [{ command: ['x'], cwd: REPO, resources: { gpus: -1 } }, 'resources.gpus'],
      [{ command: ['x'], cwd: 'relative' }, 'cwd'],
      [{ command: ['x'], cwd: REPO, maxretries: 1 }, 'maxretries'],
      [{ cwd: REPO }, 'command'],
    ];
    for (const [body, field] of cases) {
      const { status, body: error } = await server.api('/api/v1/jobs', { body });
      assert.equal(status, 400, JSON.stringify(error));
      assert.equal(error.error.field, field);
      assert.match(error.error.message, new RegExp(field.replace('.', '\\.')));
    }
    const malformed = await server.api('/api/v1/jobs', { body: '{"command": [' });
    assert.equal(malformed.status, 400);
    assert.equal((await server.api('/api/v1/jobs')).body.jobs.length, before);
  });

  it('refuses malformed and oversized metric batches with a clear error', async () => {
    const path = `/api/v1/runs/${runA.runId}/metrics`;
    const bad = await server.api(path, { token: runA.token, body: { series: { loss: { steps: [1, 2], values: [0.5, 'high'] } } } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'series.loss.values[1]');
    const mismatch = await server.api(path, { token: runA.token, body: { series: { loss: { steps: [1, 2], values: [1] } } } });
    assert.equal(mismatch.status, 400);
    const n = 1_000_001;
    const huge = `{"series":{"x":{"steps":[${'1,'.repeat(n - 1)}1],"values":[${'0,'.repeat(n - 1)}0]}}}`;
    const tooMany = await server.api(path, { token: runA.token, body: huge });
    assert.equal(tooMany.status, 413);
    const tooBig = await server.api(path, { token: runA.token, body: `{"rows":[${'{"step":1,"metrics":{"a":1}},'.repeat(1_200_000)}]}` });
    assert.equal(tooBig.status, 413);
    const ok = await server.api(path, { token: runA.token, body: { batchId: 'b1', series: { loss: { steps: [1], values: [0.5] } } } });
    assert.deepEqual(ok.body, { accepted: 1, duplicate: false });
    const again = await server.api(path, { token: runA.token, body: { batchId: 'b1', series: { loss: { steps: [1], values: [0.5] } } } });
    assert.deepEqual(again.body, { accepted: 0, duplicate: true });
  });

  it('accepts a large columnar batch and reads it back exactly', async () => {
    const n = 50_000;
    const steps = Array.from({ length: n }, (_, i) => 1_000_000 + i);
    const values = steps.map((s) => Math.sin(s));
    const { status, body } = await server.api(`/api/v1/runs/${runA.runId}/metrics`, {
      token: runA.token,
      body: { batchId: 'large-1', series: { big_a: { steps, values }, big_b: { steps, values: values.map((v) => -v) } } },
    });
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body, { accepted: 2 * n, duplicate: false });
    const back = await server.api(`/api/v1/jobs/${runA.jobId}/metrics/big_a?buckets=${n}`);
    assert.deepEqual(back.body.steps, steps);
    assert.deepEqual(back.body.values, values);
    const bucketed = await server.api(`/api/v1/jobs/${runA.jobId}/metrics/big_b?buckets=10`);
    assert.equal(bucketed.body.bucketed, true);
    assert.equal(bucketed.body.count.reduce((a: number, b: number) => a + b, 0), n);
  });

  it('refuses checkpoint paths outside the checkpoint directory', async () => {
    const path = `/api/v1/runs/${runA.runId}/checkpoints`;
    const secret = join(scratch, 'secret.bin');
    writeFileSync(secret, 'not yours');
    const ckptDir = join(server.dataDir, 'jobs', String(runA.jobId), 'checkpoints');
    symlinkSync(secret, join(ckptDir, 'link.bin'));
    for (const p of ['../../../admin-token', secret, 'link.bin', 'missing.bin']) {
      const { status, body } = await server.api(path, { token: runA.token, body: { path: p, step: 1 } });
      assert.equal(status, 400, p);
      assert.equal(body.error.field, 'path');
    }
    writeFileSync(join(ckptDir, 'ok.bin'), 'weights');
    const ok = await server.api(path, { token: runA.token, body: { path: 'ok.bin', step: 1, metrics: { loss: 1 } } });
    assert.equal(ok.status, 201);
    assert.equal(ok.body.bytes, 7);
  });

  it('keeps a run token to its own run and job', async () => {
    const own = await server.api(`/api/v1/jobs/${runA.jobId}`, { token: runA.token });
    assert.equal(own.status, 200);
    const checks: Array<[string, string, unknown?]> = [
      ['GET', `/api/v1/jobs/${runB.jobId}`],
      ['GET', `/api/v1/jobs/${runB.jobId}/log`],
      ['GET', `/api/v1/jobs/${runB.jobId}/metrics`],
      ['GET', '/api/v1/jobs'],
      ['POST', `/api/v1/runs/${runB.runId}/metrics`, { series: { loss: { steps: [1], values: [1] } } }],
      ['POST', `/api/v1/runs/${runB.runId}/status`, {}],
      ['POST', `/api/v1/jobs/${runA.jobId}/stop`, undefined],
      ['POST', '/api/v1/jobs', { command: ['true'], cwd: REPO }],
    ];
    for (const [method, path, body] of checks) {
      const { status } = await server.api(path, { method, body, token: runA.token });
      assert.equal(status, 403, `${method} ${path}`);
    }
    const status = await server.api(`/api/v1/runs/${runA.runId}/status`, { token: runA.token, body: { total: 100 } });
    assert.deepEqual(status.body, { stopRequested: false });
  });

  it('revokes a run token when its run ends', async () => {
    await server.api(`/api/v1/jobs/${runB.jobId}/stop`, { method: 'POST' });
    await waitForJob(server, runB.jobId, ['stopped']);
    const { status } = await server.api(`/api/v1/runs/${runB.runId}/status`, { token: runB.token, body: {} });
    assert.equal(status, 401);
  });

  it('serves an OpenAPI document that lists the routes', async () => {
    const { body } = await server.api('/openapi.json', { token: null });
    assert.equal(body.openapi.startsWith('3.'), true);
    for (const path of ['/api/v1/jobs', '/api/v1/jobs/{id}', '/api/v1/runs/{runId}/metrics', '/api/v1/runs/{runId}/checkpoints']) {
      assert.ok(body.paths[path], path);
    }
  });
});
