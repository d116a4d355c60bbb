/**
 * Bad input and wrong tokens against a real server: each is refused with a clear error that
 * names the field, nothing is half-stored, and the server keeps serving.
 */
import assert from 'node:assert/strict';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killRuns, REPO, startServer, tempDir, waitFor, waitForJob, type TestServer } from './harness.ts';

/**
 * A client that writes its whole request before it reads a byte of the answer, and asks for
 * the connection to be closed after it, as Python's urllib does. `announce` overrides the
 * content-length (a body larger than what is sent). Resolves once the server closes.
 */
async function sendAllThenRead(port: number, path: string, token: string, body: string, announce?: number) {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8').on('data', (d) => (received += d));
  const closed = new Promise<void>((done) => socket.once('close', () => done()));
  const head = `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${token}\r\ncontent-type: application/json\r\n`
    + `content-length: ${announce ?? Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n`;
  const writeError = await new Promise<Error | null>((done) => {
    socket.once('error', done);
    socket.write(head + body, (error) => done(error ?? null));
  });
  await closed;
  const [status, ...rest] = received.split('\r\n\r\n');
  return { writeError, status: Number(/^HTTP\/1\.1 (\d+)/.exec(status)?.[1]), body: rest.join('\r\n\r\n') };
}

/** A body sent in chunks (no content-length), `chunks` × `chunk`. */
function chunkedBody(chunk: string, chunks: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(chunk);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ < chunks) controller.enqueue(bytes);
      else controller.close();
    },
  });
}

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
    // A batch's shape bounds its depth: a deeply nested value is refused where it sits.
    const deep = await server.api(path, { token: runA.token, body: `{"series":{"loss":{"steps":[1],"values":[${'['.repeat(100_000)}${']'.repeat(100_000)}]}}}` });
    assert.equal(deep.status, 400);
    assert.equal(deep.body.error.field, 'series.loss.values[0]');
    const n = 1_000_001;
    const huge = `{"series":{"x":{"steps":[${'1,'.repeat(n - 1)}1],"values":[${'0,'.repeat(n - 1)}0]}}}`;
    const tooMany = await server.api(path, { token: runA.token, body: huge });
    assert.equal(tooMany.status, 413);
    assert.match(tooMany.body.error.message, /^a batch holds at most 1,000,000 points, this one has at least 1,000,001/);
    // Over the route's 32 MiB: refused before parsing, yet read to its end so fetch sees the 413.
    const rows = `{"rows":[${'{"step":1,"metrics":{"a":1}},'.repeat(1_200_000)}]}`;
    const tooBig = await server.api(path, { token: runA.token, body: rows });
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.body.error.code, 'payload_too_large');
    assert.equal(
      tooBig.body.error.message,
      `request body is ${Buffer.byteLength(rows).toLocaleString('en-US')} bytes (${(Buffer.byteLength(rows) / 2 ** 20).toFixed(1)} MiB), over the limit of 33,554,432 bytes (32 MiB) for POST /api/v1/runs/:runId/metrics`,
    );
    const ok = await server.api(path, { token: runA.token, body: { batchId: 'b1', series: { loss: { steps: [1], values: [0.5] } } } });
    assert.deepEqual(ok.body, { accepted: 1, duplicate: false });
    const again = await server.api(path, { token: runA.token, body: { batchId: 'b1', series: { loss: { steps: [1], values: [0.5] } } } });
    assert.deepEqual(again.body, { accepted: 0, duplicate: true });
  });

  it('lets clients that send the whole body before reading see the 413, and keeps serving', async () => {
    const path = `/api/v1/runs/${runA.runId}/metrics`;
    const body = `{"series":{"x":{"steps":[${'1,'.repeat(17_000_000)}1],"values":[]}}}`;
    const urllibStyle = await sendAllThenRead(server.port, path, runA.token, body);
    assert.equal(urllibStyle.writeError, null, 'the server read the whole body before closing');
    assert.equal(urllibStyle.status, 413);
    assert.match(JSON.parse(urllibStyle.body).error.message, /over the limit of 33,554,432 bytes \(32 MiB\)/);

    // Sent in chunks, the size is not known up front: the limit is named all the same.
    const chunked = await fetch(server.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${runA.token}`, 'content-type': 'application/json' },
      body: chunkedBody(`{"rows":[${'{"step":1,"metrics":{"a":1}},'.repeat(40_000)}`, 35),
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 413);
    assert.equal(((await chunked.json()) as { error: { message: string } }).error.message, 'request body is over the limit of 33,554,432 bytes (32 MiB) for POST /api/v1/runs/:runId/metrics');

    // A body announced far past any limit is not read at all: answered at once, then closed.
    const announced = await sendAllThenRead(server.port, path, runA.token, '', 1 << 30);
    assert.equal(announced.status, 413);
    assert.match(JSON.parse(announced.body).error.message, /^request body is 1,073,741,824 bytes \(1024 MiB\), over the limit/);

    const ok = await server.api(path, { token: runA.token, body: { series: { after_413: { steps: [1], values: [1] } } } });
    assert.deepEqual(ok.body, { accepted: 1, duplicate: false });
  });

  it('says what was expected and what came, for fields, media types, keys, nesting and sizes', async () => {
    const before = (await server.api('/api/v1/jobs')).body.jobs.length;
    const gpus = await server.api('/api/v1/jobs', { body: { command: ['true'], cwd: REPO, resources: { gpus: 'two' } } });
    assert.equal(gpus.status, 400);
    assert.deepEqual(gpus.body.error, { code: 'invalid_spec', message: 'resources.gpus: expected a number, got the string "two"', field: 'resources.gpus' });

    const asText = await fetch(`${server.url}/api/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}` }, // fetch sends a string as text/plain
      body: JSON.stringify({ command: ['true'], cwd: REPO }),
    });
    assert.equal(asText.status, 415);
    assert.equal(((await asText.json()) as { error: { message: string } }).error.message, 'body: expected JSON sent with content-type: application/json, got content-type: text/plain;charset=UTF-8');

    const proto = await server.api('/api/v1/jobs', { body: `{"command": ["true"], "cwd": ${JSON.stringify(REPO)}, "params": {"__proto__": {"admin": true}}}` });
    assert.equal(proto.status, 400);
    assert.equal(proto.body.error.field, 'params.__proto__');
    assert.match(proto.body.error.message, /^params\.__proto__: the key "__proto__" is refused: JavaScript reads it as the object's prototype/);

    // Was a 500: the spec was stored by serialising it, which overflowed the stack.
    const deep = await server.api('/api/v1/jobs', { body: `{"command": ["true"], "cwd": ${JSON.stringify(REPO)}, "params": ${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}` });
    assert.equal(deep.status, 400);
    assert.deepEqual(deep.body.error, { code: 'invalid_input', message: 'params: nested 5000 levels deep; the limit is 64', field: 'params' });

    const big = await server.api('/api/v1/jobs', { body: { command: ['true'], cwd: REPO, params: { blob: 'x'.repeat(2 << 20) } } });
    assert.equal(big.status, 413);
    assert.match(big.body.error.message, /^request body is 2,097,\d{3} bytes \(2\.0 MiB\), over the limit of 1,048,576 bytes \(1 MiB\) for POST \/api\/v1\/jobs$/);
    assert.equal((await server.api('/api/v1/jobs')).body.jobs.length, before);
  });

  it('refuses names that would change how a terminal shows text, and token names with path separators', async () => {
    const tokensBefore = (await server.api('/api/v1/tokens')).body.tokens.length;
    for (const [name, said] of [['../../../../etc/passwd', /^name: contains "\/" at character 3: names may not contain path separators/], ['a\u0000b', /^name: contains U\+0000 \(NUL\) at character 2/]] as const) {
      const { status, body } = await server.api('/api/v1/tokens', { body: { role: 'read', name } });
      assert.equal(status, 400, name);
      assert.equal(body.error.field, 'name');
      assert.match(body.error.message, said);
    }
    assert.equal((await server.api('/api/v1/tokens')).body.tokens.length, tokensBefore);
    const jobsBefore = (await server.api('/api/v1/jobs')).body.jobs.length;
    for (const [name, char] of [['x\u202Eyz', 'U\\+202E \\(right-to-left override\\)'], ['n\u0000ul', 'U\\+0000 \\(NUL\\)'], ['red\u001b[31m', 'U\\+001B \\(ESC\\)']]) {
      const { status, body } = await server.api('/api/v1/jobs', { body: { name, command: ['true'], cwd: REPO } });
      assert.equal(status, 400, JSON.stringify(name));
      assert.equal(body.error.field, 'name');
      assert.match(body.error.message, new RegExp(`^name: contains ${char} at character`));
    }
    assert.equal((await server.api('/api/v1/jobs')).body.jobs.length, jobsBefore);
    const fine = await server.api('/api/v1/tokens', { body: { role: 'read', name: 'wall screen (büro 3)' } });
    assert.equal(fine.status, 201);
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
