import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ApiConnectionError, ApiError, createClient, createSseParser, createTransport, type ApiEvent, type ApiRun, type JobSpecInput } from './client.ts';

describe('createSseParser', () => {
  it('dispatches events at blank lines, joins data lines, skips comments', () => {
    const parser = createSseParser();
    const text = ': connected\n\nevent: job\ndata: {"id":1}\n\n: ping\n\ndata: a\ndata: b\n\n';
    assert.deepEqual(parser.push(text), [
      { event: 'job', data: '{"id":1}' },
      { event: 'message', data: 'a\nb' },
    ]);
  });

  it('handles any chunking and CRLF line ends', () => {
    const text = 'event: log\r\ndata: {"text":"x"}\r\n\r\nevent:metrics\rdata:{}\r\r';
    for (let size = 1; size <= text.length; size++) {
      const parser = createSseParser();
      const out = [];
      for (let i = 0; i < text.length; i += size) out.push(...parser.push(text.slice(i, i + size)));
      assert.deepEqual(out, [
        { event: 'log', data: '{"text":"x"}' },
        { event: 'metrics', data: '{}' },
      ], `chunk size ${size}`);
    }
  });
});

describe('createClient', () => {
  let url = '';
  const seen: { method?: string; url?: string; auth?: string; body?: string }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
      if (req.url === '/api/v1/jobs' && req.method === 'POST') {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'invalid_spec', message: 'resources.gpus: too big', field: 'resources.gpus' } }));
      } else if (req.url?.startsWith('/api/v1/jobs?')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jobs: [{ id: 1 }] }));
      } else if (req.url?.startsWith('/api/v1/jobs/1/log')) {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-log-offset': '15', 'x-run-state': 'running' });
        res.end('hello\n');
      } else if (req.url === '/api/v1/events?job=1') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': connected\n\n');
        res.write('event: job\ndata: {"id":1,"state":"running"}\n\nevent: unknown\ndata: {}\n\n');
        res.write('event: log\ndata: {"jobId":1,"runId":2,"offset":6,"text":"hi\\n"}\n\n');
      } else if (req.url === '/gateway') {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('Bad Gateway');
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'not_found', message: 'job 9 not found' } }));
      }
    });
  });

  before(async () => {
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('sends the token and the query, and reads JSON', async () => {
    const client = createClient({ url, token: 'ty_a_b' });
    assert.deepEqual(await client.listJobs({ states: ['running', 'queued'], limit: 5 }), [{ id: 1 }]);
    const request = seen[seen.length - 1];
    assert.equal(request.url, '/api/v1/jobs?state=running%2Cqueued&limit=5');
    assert.equal(request.auth, 'Bearer ty_a_b');
  });

  it('turns error responses into ApiError with code and field', async () => {
    const client = createClient({ url, token: 't' });
    const error = await client.submitJob({ command: ['x'], cwd: '/' }).catch((e: unknown) => e);
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'invalid_spec');
    assert.equal(error.field, 'resources.gpus');
    const missing = await client.getJob(9).catch((e: unknown) => e);
    assert.ok(missing instanceof ApiError);
    assert.equal(missing.status, 404);
    assert.equal(missing.field, null);
  });

  it('reads a log slice with its offset and run state', async () => {
    const chunk = await createClient({ url, token: 't' }).readLog(1, { attempt: 2, offset: 9 });
    assert.equal(chunk.text, 'hello\n');
    assert.equal(chunk.offset, 15);
    assert.equal(chunk.runState, 'running');
    assert.equal(seen[seen.length - 1].url, '/api/v1/jobs/1/log?attempt=2&offset=9');
  });

  it('streams typed events until aborted', async () => {
    const controller = new AbortController();
    const stream = await createClient({ url, token: 't' }).openEvents({ job: 1, signal: controller.signal });
    const events: ApiEvent[] = [];
    for await (const event of stream) {
      events.push(event);
      if (events.length === 2) controller.abort();
    }
    assert.deepEqual(events.map((e) => e.type), ['job', 'log']);
    assert.deepEqual(events[1].data, { jobId: 1, runId: 2, offset: 6, text: 'hi\n' });
  });

  it("types a job spec from the server's schema, and runs with their slots", async () => {
    const spec: JobSpecInput = {
      command: ['x'], cwd: '/', priority: { class: 'high' }, after: [1], timeLimitSeconds: 60,
      watchdog: { stuckSeconds: null, divergence: null }, datasets: { train: 'chat@1' }, datasetLevel: 'deep',
    };
    // @ts-expect-error not a priority class
    const urgent: JobSpecInput = { command: ['x'], cwd: '/', priority: 'urgent' };
    const slots = (run: ApiRun) => [run.gpus.length, run.cpus];
    assert.ok(spec && urgent && slots);
    await createClient({ url, token: 't' }).submitJob(spec).catch(() => undefined);
    assert.deepEqual(JSON.parse(seen[seen.length - 1].body ?? ''), spec);
  });

  it("goes through the caller's fetch (the dashboard's prefetch), with the same errors", async () => {
    const asked: string[] = [];
    const transport = createTransport({ url, token: 't', fetch: (input, init) => (asked.push(`${init?.method} ${String(input)}`), fetch(input, init)) });
    const error = await transport.json('GET', '/api/v1/jobs/9').catch((e: unknown) => e);
    assert.ok(error instanceof ApiError);
    assert.equal(error.code, 'not_found');
    assert.deepEqual(asked, [`GET ${url}api/v1/jobs/9`]);
  });

  it('reports an unreachable server as ApiConnectionError', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    const error = await createClient({ url: `http://127.0.0.1:${port}` }).health().catch((e: unknown) => e);
    assert.ok(error instanceof ApiConnectionError);
    assert.match(error.message, /ECONNREFUSED/);
  });
});
