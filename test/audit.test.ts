/**
 * The audit log and the rate limits through a real server (docs/audit.md): a submit and a stop
 * are listed with their caller, params and IP (through `trainyard audit` too), filters and
 * paging work, only admin tokens read it; a server with a tiny ingest budget answers 429 with
 * Retry-After and an SDK-driven run still delivers every point; the CLI retries a 429.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { cliJson, killRuns, REPO, runCli, startServer, tempDir, waitForJob, type TestServer } from './harness.ts';

const PYTHON = '/usr/bin/python3';

async function makeToken(server: TestServer, role: string, name: string): Promise<{ token: string; id: string }> {
  const { status, body } = await server.api('/api/v1/tokens', { body: { role, name } });
  assert.equal(status, 201, JSON.stringify(body));
  return { token: body.token, id: /^ty_([0-9a-f]{16})_/.exec(body.token)![1] };
}

describe('audit log', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('lists a submit and a stop with the caller, params, status and IP; filters and pages; admin only', async () => {
    const ci = await makeToken(server, 'admin', 'ci');
    const submitted = await server.api('/api/v1/jobs', { token: ci.token, body: { name: 'audited', command: ['sleep', '30'], cwd: tempDir('trainyard-audit-'), maxRetries: 0 } });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const id = submitted.body.id as number;
    assert.equal((await server.api(`/api/v1/jobs/${id}/stop`, { token: ci.token, body: {} })).status, 200);
    const read = await makeToken(server, 'read', 'viewer');
    assert.equal((await server.api(`/api/v1/jobs/${id}/stop`, { token: read.token, body: {} })).status, 403);

    const mine = await waitForEntries(server, `caller=${ci.id}`, 2);
    assert.deepEqual(mine.map((e: any) => [e.method, e.route, e.params, e.status, e.callerId, e.callerName, e.ip]), [
      ['POST', '/api/v1/jobs/:id/stop', { id: String(id) }, 200, ci.id, `ci (token ${ci.id})`, '127.0.0.1'],
      ['POST', '/api/v1/jobs', {}, 201, ci.id, `ci (token ${ci.id})`, '127.0.0.1'],
    ]);
    // The refused stop is there under the read token; reads are not.
    const refused = (await server.api(`/api/v1/audit?status=400&caller=${read.id}`)).body.entries;
    assert.deepEqual(refused.map((e: any) => [e.route, e.status]), [['/api/v1/jobs/:id/stop', 403]]);
    assert.ok(!(await server.api('/api/v1/audit?limit=1000')).body.entries.some((e: any) => e.method === 'GET'));

    // Filters: route, method, time; paging by cursor.
    const byRoute = (await server.api(`/api/v1/audit?route=${encodeURIComponent('/api/v1/jobs/:id/stop')}`)).body.entries;
    assert.deepEqual(byRoute.map((e: any) => e.callerId), [read.id, ci.id]);
    assert.equal((await server.api(`/api/v1/audit?method=DELETE&caller=${ci.id}`)).body.entries.length, 0);
    const last = mine[0].at as number;
    assert.equal((await server.api(`/api/v1/audit?caller=${ci.id}&since=${last + 1}`)).body.entries.length, 0);
    assert.equal((await server.api(`/api/v1/audit?caller=${ci.id}&until=${last + 1}&since=${mine[1].at}`)).body.entries.length, 2);
    const page1 = (await server.api(`/api/v1/audit?caller=${ci.id}&limit=1`)).body;
    assert.equal(page1.entries[0].id, mine[0].id);
    const page2 = (await server.api(`/api/v1/audit?caller=${ci.id}&limit=1&before=${page1.nextCursor}`)).body;
    assert.equal(page2.entries[0].id, mine[1].id);

    // Only admin tokens read the log.
    const denied = await server.api('/api/v1/audit', { token: read.token });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'forbidden');
    assert.equal((await server.api('/api/v1/audit', { token: null })).status, 401);
    const badQuery = await server.api('/api/v1/audit?method=GET');
    assert.equal(badQuery.status, 400);
    assert.equal(badQuery.body.error.field, 'querystring.method');

    // The CLI: --caller, --since as an age, --json; the table names the route.
    const cli = await runCli(['audit', '--caller', ci.id, '--since', '1h', '--json'], { home: server.dataDir });
    assert.deepEqual(cliJson(cli).entries.map((e: any) => e.route), ['/api/v1/jobs/:id/stop', '/api/v1/jobs']);
    const table = await runCli(['audit', '--caller', ci.id], { home: server.dataDir });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /ci \(token [0-9a-f]{16}\)\s+POST\s+\/api\/v1\/jobs\/:id\/stop\s+id=\d+\s+200\s+127\.0\.0\.1/);
    const usage = await runCli(['audit', '--since', 'yesterday'], { home: server.dataDir });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--since expects an age \(90s, 30m, 1h, 7d\)/);
  });
});

/** The audit entries of a query once `count` are there (they are written just after the response). */
async function waitForEntries(server: TestServer, query: string, count: number): Promise<any[]> {
  for (let i = 0; i < 100; i++) {
    const { body } = await server.api(`/api/v1/audit?${query}`);
    if (body.entries.length >= count) return body.entries;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`fewer than ${count} audit entries for ${query}`);
}

describe('rate limits', () => {
  let server: TestServer;
  before(async () => {
    // One run-reporting request a second per run token; one change every 2 s per token.
    server = await startServer({ env: { TRAINYARD_RATE_LIMIT_INGEST: '1', TRAINYARD_RATE_LIMIT_CONTROL: '1', TRAINYARD_RATE_LIMIT_WINDOW_SECONDS: '2' } });
  });
  after(async () => {
    if (server) killRuns(server.dataDir);
    await server?.stop();
  });

  it('answers 429 in the error shape with Retry-After; the CLI retries it, reads are not limited', async () => {
    const spec = { name: 'limited', command: ['true'], cwd: tempDir('trainyard-limited-'), maxRetries: 0 };
    const first = await server.api('/api/v1/jobs', { body: spec });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const limited = await server.api('/api/v1/jobs', { body: spec });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 'rate_limited');
    assert.match(limited.body.error.message, /over 1 control requests per 2 s for this token; retry after [12] s \(Retry-After\)/);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After: ${limited.headers.get('retry-after')}`);
    for (let i = 0; i < 20; i++) assert.equal((await server.api('/api/v1/jobs')).status, 200);
    // The CLI's client waits out the 429s and submits.
    const submitted = await runCli(['submit', '--name', 'via-cli', '--json', '--', 'true'], { home: server.dataDir });
    assert.equal(submitted.code, 0, submitted.stderr);
  });

  it('an SDK-driven run keeps all its metric points while its ingest budget answers 429', { skip: existsSync(PYTHON) ? false : `${PYTHON} is not installed` }, async () => {
    const dir = tempDir('trainyard-rate-py-');
    writeFileSync(join(dir, 'script.py'), [
      'import time, trainyard',
      'run = trainyard.init()',
      'for step in range(600):',
      '    run.log({"loss": 1.0 / (step + 1)}, step=step)',
      '    time.sleep(0.005)',
      'run.close()',
    ].join('\n'));
    const job = await submitWhenAllowed(server, {
      name: 'py-limited', command: [PYTHON, 'script.py'], cwd: dir, maxRetries: 0,
      env: { PYTHONPATH: join(REPO, 'sdk', 'python'), PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
    });
    const done = await waitForJob(server, job, ['succeeded', 'failed', 'stopped']);
    const log = (await server.api(`/api/v1/jobs/${job}/log`)).body as string;
    assert.equal(done.state, 'succeeded', log);
    assert.match(log, /the server asks to wait \d+ s \(HTTP 429: rate limited/, 'the SDK met the limit');
    const points = (await server.api(`/api/v1/jobs/${job}/metrics/loss?buckets=100000`)).body;
    assert.deepEqual(points.steps, Array.from({ length: 600 }, (_, i) => i), 'every point, once');
  });

  it('the TypeScript reporter keeps all its points too', async () => {
    const dir = tempDir('trainyard-rate-ts-');
    const sdk = pathToFileURL(join(REPO, 'src', 'sdk', 'index.ts')).href;
    const tsx = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    writeFileSync(join(dir, 'script.mts'), [
      `import { init } from '${sdk}';`,
      `import { setTimeout as sleep } from 'node:timers/promises';`,
      'const run = init();',
      'for (let step = 0; step < 600; step++) { run.log({ loss: 1 / (step + 1) }, step); await sleep(5); }',
      'await run.close();',
    ].join('\n'));
    const job = await submitWhenAllowed(server, { name: 'ts-limited', command: [process.execPath, '--import', tsx, 'script.mts'], cwd: dir, maxRetries: 0 });
    const done = await waitForJob(server, job, ['succeeded', 'failed', 'stopped']);
    const log = (await server.api(`/api/v1/jobs/${job}/log`)).body as string;
    assert.equal(done.state, 'succeeded', log);
    assert.match(log, /the server asks to wait \d+ s \(HTTP 429: rate limited/, 'the reporter met the limit');
    const points = (await server.api(`/api/v1/jobs/${job}/metrics/loss?buckets=100000`)).body;
    assert.deepEqual(points.steps, Array.from({ length: 600 }, (_, i) => i), 'every point, once');
  });

  it('the CLI says so when the wait is longer than it retries for', async () => {
    const slow = await startServer({ env: { TRAINYARD_RATE_LIMIT_CONTROL: '1', TRAINYARD_RATE_LIMIT_WINDOW_SECONDS: '600' } });
    try {
      assert.equal((await runCli(['submit', '--name', 'a', '--', 'true'], { home: slow.dataDir })).code, 0);
      const refused = await runCli(['submit', '--name', 'b', '--', 'true'], { home: slow.dataDir });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /rate limited: over 1 control requests per 600 s for this token; retry after \d+ s \(Retry-After\) \(not retried; the server asks to wait \d+ s more\)/);
    } finally {
      await slow.stop();
    }
  });
});

/** Submits, waiting out the control budget (1 per 2 s) the earlier cases spent. */
async function submitWhenAllowed(server: TestServer, spec: Record<string, unknown>): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const { status, body } = await server.api('/api/v1/jobs', { body: spec });
    if (status === 201) return body.id as number;
    assert.equal(status, 429, JSON.stringify(body));
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail('the control budget never allowed a submit');
}
