/**
 * The reporter in process, against a stub HTTP server that records what it receives and fails
 * on demand. `test/sdk-typescript.test.ts` runs it in real jobs of a real server.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parseLine } from '../core/line-protocol.ts';
import { CheckpointNotFoundError, CheckpointPathError, init, type InitOptions, type Run } from './reporter.ts';
import { spoolFileName, SPOOL_VERSION } from './reporter/spool.ts';

interface Received {
  readonly path: string;
  readonly body: {
    batchId?: string;
    series?: Record<string, { steps: number[]; values: unknown[]; times: number[] }>;
    total?: number;
    path?: string;
    step?: number;
  };
}

/** The stub: `status` decides each answer; accepted metric batches are deduplicated by id. */
const stub = {
  url: '',
  received: [] as Received[],
  batches: new Map<string, Received['body']>(),
  status: (_request: Received): number => 200,
  stopRequested: false,
  /** While set, requests wait for it before they are answered: a server that hangs. */
  frozen: null as Promise<void> | null,
};
const server = createServer((req, res) => {
  let data = '';
  req.on('data', (chunk) => (data += chunk));
  req.on('end', async () => {
    await stub.frozen;
    const request: Received = { path: req.url ?? '', body: data ? JSON.parse(data) : {} };
    stub.received.push(request);
    res.statusCode = stub.status(request);
    res.setHeader('content-type', 'application/json');
    if (res.statusCode >= 300) return res.end(JSON.stringify({ error: { code: 'stub', message: `stub ${res.statusCode}` } }));
    if (request.path.endsWith('/status')) return res.end(JSON.stringify({ stopRequested: stub.stopRequested }));
    if (request.path.endsWith('/checkpoints')) {
      res.statusCode = 201;
      return res.end(JSON.stringify({ id: 1, path: `/abs/${request.body.path}`, step: request.body.step, bytes: 1, metrics: {}, createdAt: 1 }));
    }
    const duplicate = stub.batches.has(request.body.batchId!);
    if (!duplicate) stub.batches.set(request.body.batchId!, request.body);
    res.end(JSON.stringify({ accepted: duplicate ? 0 : 1, duplicate }));
  });
});

before(async () => {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  stub.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => new Promise<void>((done) => server.close(() => done())));
beforeEach(() => {
  stub.received = [];
  stub.batches = new Map();
  stub.status = () => 200;
  stub.stopRequested = false;
  stub.frozen = null;
});

const runs: Run[] = [];
after(async () => {
  await Promise.all(runs.map((r) => r.close()));
});

/** A run reporting to the stub, with a throwaway checkpoint directory and fast timers. */
function start(options: InitOptions & { env?: Record<string, string> } = {}): { run: Run; warnings: string[]; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-reporter-'));
  const warnings: string[] = [];
  const run = init({
    flushIntervalMs: 20,
    heartbeatIntervalMs: 60_000,
    closeTimeoutMs: 1_000,
    catchSigterm: false,
    warn: (message) => warnings.push(message),
    ...options,
    env: { TRAINYARD_URL: stub.url, TRAINYARD_TOKEN: 'ty_1_x', TRAINYARD_JOB_ID: '1', TRAINYARD_RUN_ID: '7', TRAINYARD_CHECKPOINT_DIR: dir, ...options.env },
  });
  runs.push(run);
  return { run, warnings, dir };
}

/** Steps of `key` over every accepted batch, in the order the batches were accepted. */
function acceptedSteps(key = 'loss'): number[] {
  return [...stub.batches.values()].flatMap((b) => b.series?.[key]?.steps ?? []);
}

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);
const isMetrics = (r: Received): boolean => r.path === '/api/v1/runs/7/metrics';

describe('reporter', () => {
  it('sends columnar batches with unique ids, encoding NaN and infinities', async () => {
    const { run } = start();
    assert.equal(run.mode, 'http');
    for (let step = 0; step < 50; step++) run.log({ loss: 1 / (step + 1), acc: step }, step === 49 ? undefined : step);
    run.log({ loss: NaN, acc: Infinity });
    assert.equal(await run.flush(), true);
    assert.deepEqual(acceptedSteps(), range(51));
    assert.deepEqual(acceptedSteps('acc'), range(51));
    const last = [...stub.batches.values()].at(-1)!.series!;
    assert.equal(last.loss.values.at(-1), 'NaN');
    assert.equal(last.acc.values.at(-1), 'Infinity');
    assert.ok(last.loss.times.every((t) => Math.abs(t - Date.now()) < 60_000));
    const ids = stub.received.filter(isMetrics).map((r) => r.body.batchId!);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.every((id) => /^[0-9a-f]{32}-\d+$/.test(id)), ids.join());
    await run.close();
  });

  it('spools while the server answers 503 and resends oldest first once it is back', async () => {
    const { run, warnings } = start();
    stub.status = (r) => (isMetrics(r) ? 503 : 200);
    for (let step = 0; step < 30; step++) {
      run.log({ loss: step }, step);
      if (step % 10 === 9) assert.equal(await run.flush(), false);
    }
    assert.equal(readdirSync(run.spoolDir).filter((n) => n.endsWith('.json')).length, 3);
    assert.ok(warnings.some((w) => w.includes('the server is unreachable (HTTP 503: stub 503)')), warnings.join('\n'));
    stub.status = () => 200;
    assert.equal(await run.flush(), true);
    assert.deepEqual(acceptedSteps(), range(30));
    assert.deepEqual(readdirSync(run.spoolDir), []);
    await run.close();
  });

  it('drops a batch the server refuses with a 4xx, once, with a warning', async () => {
    const { run, warnings } = start();
    stub.status = (r) => (isMetrics(r) ? 400 : 200);
    run.log({ loss: 1 }, 1);
    assert.equal(await run.flush(), true);
    await run.close();
    assert.equal(stub.received.filter(isMetrics).length, 1);
    assert.ok(warnings.some((w) => w.includes('refused a metrics request, dropped: HTTP 400')), warnings.join('\n'));
  });

  it('registers checkpoints after the points before them, and spools them when the server is down', async () => {
    const { run, dir } = start();
    run.log({ loss: 0.5 }, 10);
    await run.atomicPath('step-10.pt', (tmp) => writeFile(tmp, 'weights'));
    const pending = run.checkpoint('step-10.pt', 10, { loss: 0.5, bad: NaN });
    assert.deepEqual([pending.path, pending.step, pending.metrics], [join(dir, 'step-10.pt'), 10, { loss: 0.5 }]);
    const record = await pending.registered;
    assert.equal(record?.id, 1);
    const order = stub.received.filter((r) => !r.path.endsWith('/status')).map((r) => r.path.split('/').at(-1));
    assert.deepEqual(order, ['metrics', 'checkpoints']);
    assert.deepEqual(stub.received.at(-1)!.body, { path: 'step-10.pt', step: 10, metrics: { loss: 0.5 } });

    stub.status = () => 503;
    await writeFile(join(dir, 'step-20.pt'), 'weights');
    const spooled = run.checkpoint('step-20.pt', 20);
    assert.equal(await run.flush(), false);
    assert.equal(readdirSync(run.spoolDir).length, 1);
    stub.status = () => 200;
    assert.equal(await run.flush(), true);
    assert.deepEqual(stub.received.at(-1)!.body, { path: 'step-20.pt', step: 20, metrics: {} });
    assert.equal((await spooled.registered)?.step, 20, 'settled with the record once the spool was sent');
    await run.close();
  });

  it('returns from checkpoint() at once while the server hangs, and registers it once it answers', async () => {
    const { run, dir } = start({ requestTimeoutMs: 60_000 });
    let thaw!: () => void;
    stub.frozen = new Promise<void>((done) => (thaw = done));
    run.log({ loss: 0.5 }, 10);
    await writeFile(join(dir, 'step-10.pt'), 'weights');
    const started = performance.now();
    const pending = run.checkpoint('step-10.pt', 10, { loss: 0.5 });
    const elapsed = performance.now() - started;
    run.log({ loss: 0.4 }, 11);
    assert.ok(elapsed < 1_000, `checkpoint() took ${elapsed.toFixed(0)} ms while the server hung`);
    let settled = false;
    void pending.registered.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(settled, false, 'not registered while the server hangs');
    thaw();
    stub.frozen = null;
    assert.equal((await pending.registered)?.step, 10);
    await run.close();
    const sent = stub.received.filter((r) => !r.path.endsWith('/status'));
    const point10 = sent.findIndex((r) => r.body.series?.loss.steps.includes(10));
    const checkpoint10 = sent.findIndex((r) => r.path.endsWith('/checkpoints'));
    assert.ok(point10 !== -1 && point10 < checkpoint10, 'the points logged before it go first');
    assert.deepEqual(acceptedSteps(), [10, 11]);
  });

  it('close() sends the registrations still pending; after close() nothing is registered', async () => {
    const { run, dir, warnings } = start();
    await writeFile(join(dir, 'last.pt'), 'weights');
    const pending = run.checkpoint('last.pt', 99);
    await run.close();
    assert.equal(stub.received.filter((r) => r.path.endsWith('/checkpoints')).length, 1);
    assert.equal((await pending.registered)?.step, 99);
    assert.equal(await run.checkpoint('last.pt', 100).registered, null);
    assert.match(warnings.join('\n'), /checkpoint 'last.pt' not registered: the run was closed/);
  });

  it('settles a registration with null when close() gives up with it in the spool', async () => {
    const { run, dir } = start({ closeTimeoutMs: 300 });
    stub.status = () => 503;
    await writeFile(join(dir, 'late.pt'), 'weights');
    const pending = run.checkpoint('late.pt', 5);
    await run.close();
    assert.equal(await pending.registered, null);
    assert.equal(readdirSync(run.spoolDir).filter((n) => n.endsWith('.json')).length, 1, 'left for the server to take in');
  });

  it('refuses checkpoint paths outside the directory and missing files', async () => {
    const { run } = start();
    assert.throws(() => run.checkpoint('../escape.pt', 1), CheckpointPathError);
    assert.throws(() => run.checkpoint('/etc/passwd', 1), CheckpointPathError);
    assert.throws(() => run.checkpoint('', 1), CheckpointPathError);
    assert.throws(() => run.checkpoint('missing.pt', 1), CheckpointNotFoundError);
    await run.close();
  });

  it('atomicPath renames on success, removes the temporary file on failure, and handles directories', async () => {
    const { run, dir } = start({ offline: 'none', env: { TRAINYARD_URL: '' } });
    let tmpSeen = '';
    const final = await run.atomicPath('sub/model.pt', async (tmp) => {
      tmpSeen = tmp;
      await writeFile(tmp, 'ok');
    });
    assert.equal(final, join(dir, 'sub', 'model.pt'));
    assert.match(tmpSeen, /\/sub\/\.model\.tmp-\d+-[0-9a-f]{6}\.pt$/);
    await assert.rejects(
      run.atomicPath('broken.pt', async (tmp) => {
        await writeFile(tmp, 'half');
        throw new Error('disk full');
      }),
      /disk full/,
    );
    await assert.rejects(run.atomicPath('nothing.pt', async () => undefined), CheckpointNotFoundError);
    for (const version of ['1', '2']) {
      await run.atomicPath('hf-model', async (tmp) => {
        await mkdir(tmp);
        await writeFile(join(tmp, 'config.json'), version);
      });
    }
    assert.deepEqual(readdirSync(dir).sort(), ['hf-model', 'sub']);
    assert.deepEqual(readdirSync(join(dir, 'hf-model')), ['config.json']);
    await run.close();
  });

  it('sends the total with the heartbeat and learns about a stop from its reply', async () => {
    const { run } = start({ heartbeatIntervalMs: 30 });
    stub.stopRequested = true;
    run.setTotal(500, 'epoch 1');
    for (let i = 0; i < 100 && !run.shouldStop(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(run.shouldStop(), true);
    assert.deepEqual(stub.received.filter((r) => r.path.endsWith('/status')).at(-1)!.body, { total: 500, message: 'epoch 1' });
    await run.close();
  });

  it('turns shouldStop() true on SIGTERM', async () => {
    const { run, warnings } = start({ catchSigterm: true });
    assert.equal(run.shouldStop(), false);
    process.emit('SIGTERM', 'SIGTERM');
    assert.equal(run.shouldStop(), true);
    assert.match(warnings.join('\n'), /SIGTERM received/);
    await run.close();
    assert.equal(process.listenerCount('SIGTERM'), 0, 'close() removes its listener');
  });

  it('never throws from log() and warns once per problem', async () => {
    const { run, warnings } = start();
    const throwing = Object.defineProperty({}, 'loss', { enumerable: true, get: () => { throw new Error('boom'); } });
    const bad: (() => void)[] = [
      () => run.log({ loss: 'high' as unknown as number }),
      () => run.log({ 'bad key!': 1 }),
      () => run.log(null as unknown as Record<string, number>),
      () => run.log(throwing),
      () => run.log({ loss: 1 }, NaN),
      () => run.log({ loss: 1 }, '7' as unknown as number),
      () => run.setTotal(-1),
    ];
    for (let i = 0; i < 3; i++) for (const call of bad) call();
    run.log({ loss: 1, big: 10n as unknown as number }, 0);
    assert.equal(await run.flush(), true);
    assert.deepEqual(acceptedSteps(), [0]);
    assert.deepEqual(Object.keys([...stub.batches.values()][0].series!).sort(), ['big', 'loss']);
    assert.equal(new Set(warnings).size, warnings.length, warnings.join('\n'));
    assert.ok(warnings.length >= 5 && warnings.length <= 7, warnings.join('\n'));
    await run.close();
  });

  it("sends what an earlier run of the job left in the spool, up to the step this one resumed from", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainyard-reporter-'));
    const spoolDir = join(dir, '.spool');
    await mkdir(spoolDir);
    const steps = range(10);
    const left = {
      v: SPOOL_VERSION, jobId: '1', runId: '6', kind: 'metrics',
      body: { batchId: 'old-1', series: { loss: { steps, values: steps, times: steps.map(() => 1) } } },
    };
    writeFileSync(join(spoolDir, spoolFileName('old', 1, 1)), JSON.stringify(left));
    writeFileSync(join(spoolDir, spoolFileName('other', 1, 2)), JSON.stringify({ ...left, jobId: '2' }));
    const { run } = start({ env: { TRAINYARD_CHECKPOINT_DIR: dir, TRAINYARD_RESUME_STEP: '4', TRAINYARD_RESUME_FROM: join(dir, 'step-4.pt') } });
    assert.equal(run.resumeStep, 4);
    run.log({ loss: 5 });
    assert.equal(await run.flush(), true);
    assert.deepEqual(acceptedSteps(), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(readdirSync(spoolDir), [spoolFileName('other', 1, 2)], "another job's file stays");
    await run.close();
  });

  it("exposes the job's from: checkpoint as initFrom, null when none", async () => {
    const { run } = start({ env: { TRAINYARD_INIT_FROM: '/data/jobs/3/checkpoints/step-9.bin', TRAINYARD_INIT_FROM_ID: '12' } });
    assert.deepEqual([run.initFrom, run.initFromId, run.resumeFrom], ['/data/jobs/3/checkpoints/step-9.bin', 12, null]);
    const { run: fresh } = start({ env: { TRAINYARD_INIT_FROM: '', TRAINYARD_INIT_FROM_ID: '' } });
    assert.deepEqual([fresh.initFrom, fresh.initFromId], [null, null]);
    await Promise.all([run.close(), fresh.close()]);
  });

  it('prints the line protocol without a server', async () => {
    let out = '';
    const { run, dir } = start({ env: { TRAINYARD_URL: '' }, stdout: (text) => (out += text) });
    assert.equal(run.mode, 'lines');
    run.setTotal(2, 'epoch "1"');
    run.log({ loss: 0.5, gap: NaN }, 0);
    run.log({ loss: 1e-7 });
    await writeFile(join(dir, 'a b.pt'), 'x');
    const record = await run.checkpoint('a b.pt', 1, { loss: 0.25 }).registered;
    assert.deepEqual(record, { id: null, path: join(dir, 'a b.pt'), step: 1, bytes: 1, metrics: { loss: 0.25 }, createdAt: null });
    await run.close();
    assert.deepEqual(out.trimEnd().split('\n').map(parseLine), [
      { kind: 'progress', total: 2, message: 'epoch "1"' },
      { kind: 'metrics', step: 0, metrics: { loss: 0.5, gap: NaN } },
      { kind: 'metrics', step: 1, metrics: { loss: 1e-7 } },
      { kind: 'checkpoint', path: 'a b.pt', step: 1, metrics: { loss: 0.25 } },
    ]);
  });

  it('reports nothing on a distributed rank other than 0', async () => {
    const { run } = start({ env: { RANK: '1' } });
    assert.equal(run.mode, 'none');
    run.log({ loss: 1 });
    assert.equal(await run.flush(), true);
    await run.close();
    assert.equal(stub.received.length, 0);
  });
});
