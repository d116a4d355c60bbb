/**
 * Datasets end to end through a real server (test/harness.ts) and the real CLI: register,
 * inspect, a job that trains on a version (TRAINYARD_DATASETS, lineage back from the version),
 * a job refused on a failed version, user formats, validation without registering.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, runCli, startServer, tempDir, waitForJob, type TestServer } from './harness.ts';

const row = (u: string, a: string) => JSON.stringify({ messages: [{ role: 'user', content: u }, { role: 'assistant', content: a }] });
const lines = (count: number, salt = '') => Array.from({ length: count }, (_, i) => row(`question ${salt}${i} about item ${i * 3} of the catalogue`, `reply ${salt}${i}`)).join('\n') + '\n';

/** Runs the CLI with `home` as TRAINYARD_HOME. */
const cli = (args: string[], home: string) => runCli(args, { home });

describe('datasets through the server', { timeout: 180_000 }, () => {
  let server: TestServer;
  let work: string;

  before(async () => {
    server = await startServer();
    work = tempDir('trainyard-datasets-work-');
    writeFileSync(join(work, 'train.jsonl'), lines(40));
    writeFileSync(join(work, 'broken.jsonl'), `${lines(3)}{"messages": [{"role": "user", "content": "no reply"}]}\n`);
  });
  after(async () => {
    await server?.stop();
  });

  it('registers a version from a server-local path, stored under the data directory', async () => {
    const { status, body } = await server.api('/api/v1/datasets', { body: { name: 'chat-v3', path: join(work, 'train.jsonl'), format: 'chat' } });
    assert.equal(status, 201, JSON.stringify(body));
    assert.equal(body.version, 1);
    assert.equal(body.created, true);
    assert.equal(body.rows, 40);
    assert.equal(body.report.passed, true);
    assert.deepEqual(body.levels, { quick: 'passed', standard: 'passed', deep: 'unchecked' });
    assert.ok(existsSync(join(server.dataDir, 'datasets', body.path)));
    const again = await server.api('/api/v1/datasets', { body: { name: 'chat-v3', path: join(work, 'train.jsonl'), format: 'chat' } });
    assert.equal(again.status, 200);
    assert.equal(again.body.created, false);

    const list = await server.api('/api/v1/datasets');
    assert.deepEqual(list.body.datasets.map((d: any) => [d.name, d.versions, d.latest.version]), [['chat-v3', 1, 1]]);
    const detail = await server.api('/api/v1/datasets/chat-v3/1');
    assert.equal(detail.body.validations.length, 2);
    assert.equal(detail.body.validations[0].report.rows, 40);
    assert.equal((await server.api('/api/v1/datasets/chat-v3/9')).status, 404);
    assert.equal((await server.api('/api/v1/datasets/nothing')).status, 404);
  });

  it('runs a job on a pinned version and answers lineage both ways', async () => {
    const script = 'const d = JSON.parse(process.env.TRAINYARD_DATASETS); const fs = require("fs"); console.log(JSON.stringify({ d, lines: fs.readFileSync(d.train.path, "utf8").split("\\n").length }));';
    const submitted = await server.api('/api/v1/jobs', { body: { name: 'sft', command: ['node', '-e', script], cwd: REPO, datasets: { train: 'chat-v3' } } });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    assert.deepEqual(submitted.body.spec.datasets, { train: 'chat-v3@1' }, 'the version is pinned at submit');
    assert.equal(submitted.body.spec.datasetLevel, 'standard');
    const done = await waitForJob(server, submitted.body.id, ['succeeded', 'failed']);
    assert.equal(done.state, 'succeeded');
    const raw = (await server.api(`/api/v1/jobs/${done.id}/log`)).body;
    const log = typeof raw === 'string' ? raw : JSON.stringify(raw);
    const seen = JSON.parse(log.split('\n').find((l) => l.startsWith('{"d"')) ?? '{}');
    const version = (await server.api('/api/v1/datasets/chat-v3/1')).body;
    assert.deepEqual(seen.d, { train: { name: 'chat-v3', version: 1, path: join(server.dataDir, 'datasets', version.path), sha256: version.sha256, format: 'chat' } });
    assert.equal(seen.lines, 41);

    // What was this trained on? The job's spec. Who trained on this? The version's runs.
    assert.deepEqual((await server.api(`/api/v1/jobs/${done.id}`)).body.spec.datasets, { train: 'chat-v3@1' });
    const lineage = await server.api('/api/v1/datasets/chat-v3/1/runs');
    assert.equal(lineage.body.dataset, 'chat-v3@1');
    assert.deepEqual(lineage.body.runs.map((r: any) => [r.jobId, r.runId, r.role, r.jobName, r.attempt]), [[done.id, done.runs[0].id, 'train', 'sft', 1]]);
  });

  it('refuses a job on a version that failed validation, registering nothing', async () => {
    const bad = await server.api('/api/v1/datasets', { body: { name: 'chat-v3', path: join(work, 'broken.jsonl'), format: 'chat' } });
    assert.equal(bad.status, 201);
    assert.equal(bad.body.version, 2);
    assert.equal(bad.body.report.passed, false);
    assert.deepEqual(bad.body.report.rules.map((r: any) => r.rule), ['no-assistant']);
    const before = (await server.api('/api/v1/jobs')).body.jobs.length;
    const refused = await server.api('/api/v1/jobs', { body: { command: ['true'], cwd: REPO, datasets: { train: 'chat-v3@2' } } });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, 'dataset_not_ready');
    assert.equal(refused.body.error.field, 'datasets.train');
    assert.match(refused.body.error.message, /chat-v3@2 failed standard validation/);
    const latest = await server.api('/api/v1/jobs', { body: { command: ['true'], cwd: REPO, datasets: { train: 'chat-v3' } } });
    assert.equal(latest.status, 400, 'the latest version is the failed one');
    assert.equal((await server.api('/api/v1/jobs')).body.jobs.length, before);
  });

  it('validates a path without registering it, and registers user formats', async () => {
    const report = await server.api('/api/v1/datasets/validate', { body: { path: join(work, 'broken.jsonl'), format: 'chat', level: 'quick' } });
    assert.equal(report.status, 200);
    assert.equal(report.body.passed, false);
    assert.equal((await server.api('/api/v1/datasets/validate', { body: { path: 'relative.jsonl', format: 'chat' } })).status, 400);
    assert.equal((await server.api('/api/v1/datasets/validate', { body: { path: join(work, 'nope.jsonl'), format: 'chat' } })).body.error.field, 'path');

    const definition = { schema: { type: 'object', required: ['order_id', 'hours'], properties: { order_id: { type: 'string', pattern: '^WO-' }, hours: { type: 'number', maximum: 500 } } }, unique: ['order_id'] };
    const put = await server.api('/api/v1/datasets/formats/orders-v1', { method: 'PUT', body: definition });
    assert.equal(put.status, 201, JSON.stringify(put.body));
    assert.equal((await server.api('/api/v1/datasets/formats/orders-v1', { method: 'PUT', body: definition })).status, 200);
    assert.equal((await server.api('/api/v1/datasets/formats/orders-v1', { method: 'PUT', body: { ...definition, unique: [] } })).status, 409);
    assert.equal((await server.api('/api/v1/datasets/formats/chat', { method: 'PUT', body: definition })).status, 400);
    writeFileSync(join(work, 'orders.jsonl'), '{"order_id": "WO-1", "hours": 3}\n{"order_id": "SYN-2", "hours": 4}\n{"order_id": "WO-3", "hours": 9000}\n');
    const orders = await server.api('/api/v1/datasets', { body: { name: 'orders', path: join(work, 'orders.jsonl'), format: 'orders-v1' } });
    assert.equal(orders.status, 201);
    assert.deepEqual(orders.body.report.rules[0].examples.map((e: any) => [e.line, e.field]), [[2, 'order_id'], [3, 'hours']]);
    const formats = (await server.api('/api/v1/datasets/formats')).body.formats.map((f: any) => f.name);
    assert.ok(formats.includes('orders-v1') && formats.includes('chat'));
  });

  it('the CLI: add, ls, show, check, validate, formats; exit 1 when data fails', async () => {
    const home = server.dataDir;
    const added = await cli(['data', 'add', 'suite', join(work, 'train.jsonl'), '--format', 'chat', '--json'], home);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(JSON.parse(added.stdout).version, 1);

    const failing = await cli(['data', 'add', 'broken', join(work, 'broken.jsonl'), '--format', 'chat'], home);
    assert.equal(failing.code, 1);
    assert.match(failing.stdout, /no-assistant\s+error\s+quick\s+1/);
    assert.match(failing.stdout, /registered broken@1 .*FAILED validation, jobs will refuse it/);

    const ls = await cli(['data', 'ls'], home);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^NAME\s+LATEST\s+VERSIONS/);
    assert.match(ls.stdout, /chat-v3\s+@2\s+2\s+chat/);

    const show = await cli(['data', 'show', 'chat-v3@1'], home);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^chat-v3@1\n/);
    assert.match(show.stdout, /read by \(lineage\)/);
    assert.match(show.stdout, /sft/);
    const showJson = JSON.parse((await cli(['data', 'show', 'chat-v3', '--json'], home)).stdout);
    assert.equal(showJson.version, 2);

    const check = await cli(['data', 'check', 'chat-v3@1', '--level', 'deep', '--eval', 'suite', '--json'], home);
    assert.equal(check.code, 1, 'suite holds the same rows: every row is contaminated');
    assert.deepEqual(JSON.parse(check.stdout).report.evalSets.map((e: any) => [e.ref, e.contaminatedRows]), [['suite@1', 40]]);

    const local = await cli(['data', 'validate', join(work, 'broken.jsonl'), '--format', 'chat', '--json'], home);
    assert.equal(local.code, 1);
    assert.equal(JSON.parse(local.stdout).rules[0].rule, 'no-assistant');
    const byName = await cli(['data', 'validate', join(work, 'orders.jsonl'), '--format', 'orders-v1'], home);
    assert.equal(byName.code, 1, byName.stderr);
    assert.match(byName.stdout, /orders-v1 · standard · 3 rows · 2 errors \(schema ×2\)/);
    const formatFile = join(work, 'fmt.json');
    writeFileSync(formatFile, JSON.stringify({ name: 'loose', schema: { type: 'object' } }));
    assert.equal((await cli(['data', 'validate', join(work, 'orders.jsonl'), '--format', formatFile], home)).code, 0);
    const usage = await cli(['data', 'validate', join(work, 'orders.jsonl'), '--format', 'chat', '--level', 'thorough'], home);
    assert.equal(usage.code, 2);

    const formats = await cli(['data', 'formats'], home);
    assert.match(formats.stdout, /orders-v1\s+user/);
    const added2 = await cli(['data', 'formats', 'add', formatFile, '--json'], home);
    assert.equal(added2.code, 0, added2.stderr);
    assert.equal(JSON.parse(added2.stdout).name, 'loose');
    assert.ok(readFileSync(join(home, 'admin-token'), 'utf8'));
  });
});

describe('a dataset registration interrupted by a crash', { timeout: 120_000 }, () => {
  it('leaves nothing behind once the server starts again', async () => {
    let server = await startServer();
    const dataDir = server.dataDir;
    try {
      const work = tempDir('trainyard-datasets-crash-');
      writeFileSync(join(work, 'kept.jsonl'), lines(5, 'k'));
      const kept = await server.api('/api/v1/datasets', { body: { name: 'kept', path: join(work, 'kept.jsonl'), format: 'chat' } });
      assert.equal(kept.status, 201, JSON.stringify(kept.body));
      await server.kill9();
      // What a crash leaves: a copy under way, and a copy whose version was never recorded.
      const datasets = join(dataDir, 'datasets');
      mkdirSync(join(datasets, '.incoming-AbC123'));
      writeFileSync(join(datasets, '.incoming-AbC123', 'lost.jsonl'), lines(2, 'half'));
      const lost = lines(5, 'lost');
      const sha = createHash('sha256').update(lost).digest('hex');
      mkdirSync(join(datasets, sha));
      writeFileSync(join(datasets, sha, 'lost.jsonl'), lost);
      chmodSync(join(datasets, sha, 'lost.jsonl'), 0o444);

      server = await server.restart();
      assert.deepEqual(readdirSync(datasets).sort(), [kept.body.sha256]);
      assert.match(server.output(), /removed 2 leftover\(s\) of interrupted registrations/);
      assert.equal(readFileSync(join(datasets, kept.body.path), 'utf8'), lines(5, 'k'));
      writeFileSync(join(work, 'lost.jsonl'), lost);
      const again = await server.api('/api/v1/datasets', { body: { name: 'lost', path: join(work, 'lost.jsonl'), format: 'chat' } });
      assert.equal(again.status, 201, JSON.stringify(again.body));
      assert.equal(again.body.sha256, sha);
    } finally {
      await server.stop().catch(() => undefined);
    }
  });
});
