/**
 * The TypeScript reporter (`src/sdk/reporter.ts`) in real jobs of a real server: every point
 * arrives exactly once, training goes on while the server is down and the spool backfills
 * after it restarts, `log()` never throws, and a stop reaches `shouldStop()`.
 * The stub-server cases (5xx, 4xx, spool adoption) are in `src/sdk/reporter.test.ts`.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { killRuns, REPO, startServer, tempDir, waitFor, waitForJob, type TestServer } from './harness.ts';

const SDK = pathToFileURL(join(REPO, 'src', 'sdk', 'index.ts')).href;
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** Writes `script` (TypeScript, ESM) into a fresh directory and submits it as a job. */
async function submitScript(
  server: TestServer,
  script: string,
  args: string[] = [],
  spec: Record<string, unknown> = {},
): Promise<{ id: number; dir: string }> {
  const dir = tempDir('trainyard-sdk-ts-');
  writeFileSync(join(dir, 'script.mts'), `import { init } from '${SDK}';\n${script}`);
  const { status, body } = await server.api('/api/v1/jobs', {
    body: {
      name: 'sdk-typescript',
      command: [process.execPath, '--import', TSX, 'script.mts', ...args],
      cwd: dir,
      maxRetries: 0,
      keepCheckpoints: 0,
      ...spec,
    },
  });
  assert.equal(status, 201, JSON.stringify(body));
  return { id: body.id as number, dir };
}

async function series(server: TestServer, jobId: number, key: string): Promise<{ steps: number[]; values: unknown[] }> {
  const { status, body } = await server.api(`/api/v1/jobs/${jobId}/metrics/${encodeURIComponent(key)}?buckets=100000`);
  assert.equal(status, 200, JSON.stringify(body));
  return body;
}

async function seriesKeys(server: TestServer, jobId: number): Promise<string[]> {
  const { body } = await server.api(`/api/v1/jobs/${jobId}/metrics`);
  return (body.series as { key: string }[]).map((s) => s.key).sort();
}

async function logOf(server: TestServer, jobId: number): Promise<string> {
  return (await server.api(`/api/v1/jobs/${jobId}/log`)).body as string;
}

async function assertSucceeded(server: TestServer, id: number, job: { state: string }): Promise<void> {
  if (job.state !== 'succeeded') assert.fail(`job ${id} is ${job.state}; log:\n${await logOf(server, id)}`);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

const EXACTLY_ONCE = `
import { writeFile } from 'node:fs/promises';
const N = Number(process.argv[2]);
const run = init();
if (run.mode !== 'http' || run.attempt !== 1 || run.resumeFrom !== null) throw new Error(\`bad run: \${run.mode}\`);
if (run.params.lr !== 0.5) throw new Error(\`bad params \${JSON.stringify(run.params)}\`);
run.setTotal(N, 'training');
for (let step = 0; step < N; step++) {
  run.log({ loss: 1 / (step + 1), acc: step / N });
  if (step % 250 === 249) {
    const name = \`step-\${step}.bin\`;
    await run.atomicPath(name, (tmp) => writeFile(tmp, Buffer.alloc(step + 1, 120)));
    const record = await run.checkpoint(name, step, { loss: 1 / (step + 1) }).registered;
    if (record?.step !== step) throw new Error(\`bad record \${JSON.stringify(record)}\`);
  }
}
run.log({ diverged: NaN, up: Infinity }, N);
await run.close();
console.log('script done');
`;

const OUTAGE = `
import { existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
const control = process.argv[2];
const run = init({ requestTimeoutMs: 2000, closeTimeoutMs: 60000 });
let step = 0;
const flag = (name: string) => existsSync(join(control, name));
const put = (name: string, data: unknown) => {
  writeFileSync(join(control, name + '.tmp'), JSON.stringify(data));
  renameSync(join(control, name + '.tmp'), join(control, name));
};
const spooled = () => (existsSync(run.spoolDir) ? readdirSync(run.spoolDir).filter((n) => n.endsWith('.json')).length : 0);
const logOne = async () => {
  run.log({ loss: 1 / (step + 1), x: step }, step);
  step++;
  await sleep(2);
};
while (!flag('killed')) await logOne();
while (step % 50 !== 0 || spooled() < 3) await logOne();
const name = \`step-\${step - 1}.bin\`;
await run.atomicPath(name, (tmp) => writeFile(tmp, 'checkpoint'));
const checkpointStep = step - 1;
const pending = run.checkpoint(name, checkpointStep);
await run.flush(); // sent or spooled: spooled, the server is down
put('spooled', { files: spooled(), checkpointStep });
while (!flag('restarted')) await logOne();
for (let i = 0; i < 300; i++) await logOne();
const record = await pending.registered; // from the spool, once the server answers again
if (record?.step !== checkpointStep) throw new Error(\`checkpoint not registered: \${JSON.stringify(record)}\`);
await run.close();
put('done', { steps: step, left: spooled() });
`;

const BAD_VALUES = `
const run = init();
const throwing = Object.defineProperty({}, 'loss', { enumerable: true, get: () => { throw new Error('boom'); } });
const bad: (() => void)[] = [
  () => run.log({ loss: 'high' } as any),
  () => run.log({ 'bad key!': 1 }),
  () => run.log(null as any),
  () => run.log(throwing),
  () => run.log({ loss: 1 }, NaN),
  () => run.log({ loss: 1 }, '7' as any),
  () => run.setTotal(-1),
];
for (let i = 0; i < 3; i++) for (const call of bad) call();
for (let step = 0; step < 10; step++) run.log({ loss: step, big: BigInt(step) as any }, step);
await run.close();
console.log('script done');
`;

const STOP = `
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
const run = init();
let step = 0;
while (!run.shouldStop()) {
  run.log({ loss: 1 / (step + 1) }, step);
  step++;
  await sleep(10);
}
const name = \`final-\${step - 1}.bin\`;
await run.atomicPath(name, (tmp) => writeFile(tmp, 'final'));
if ((await run.checkpoint(name, step - 1).registered) === null) throw new Error('final checkpoint not registered');
await run.close();
console.log(\`stopped cleanly at step \${step - 1}\`);
`;

/** Checkpoints while the server is frozen (SIGSTOP): the call must not wait for it. */
const FROZEN = `
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
const control = process.argv[2];
const run = init();
let step = 0;
const flag = (name: string) => existsSync(join(control, name));
const put = (name: string, data: unknown) => {
  writeFileSync(join(control, name + '.tmp'), JSON.stringify(data));
  renameSync(join(control, name + '.tmp'), join(control, name));
};
const logOne = async () => {
  run.log({ loss: 1 / (step + 1) }, step);
  step++;
  await sleep(2);
};
while (!flag('frozen')) await logOne();
for (let i = 0; i < 100; i++) await logOne();   // the reporter's requests now hang
const checkpointStep = step - 1;                  // its points are logged already
const name = \`step-\${checkpointStep}.bin\`;
await run.atomicPath(name, (tmp) => writeFile(tmp, 'checkpoint'));
const started = performance.now();
const pending = await run.checkpoint(name, checkpointStep, { loss: 0.5 });
put('returned', { ms: performance.now() - started, checkpointStep });
while (!flag('thawed')) await logOne();
for (let i = 0; i < 100; i++) await logOne();
const record = await pending.registered;
put('registered', { record });
await run.close();
`;

describe('TypeScript SDK in real jobs', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
    if (server) killRuns(server.dataDir);
  });

  it('delivers every point exactly once, with checkpoints and the total', async () => {
    const N = 1000;
    const { id } = await submitScript(server, EXACTLY_ONCE, [String(N)], { params: { lr: 0.5 } });
    const job = await waitForJob(server, id, ['succeeded', 'failed', 'stopped']);
    await assertSucceeded(server, id, job);
    assert.deepEqual(await seriesKeys(server, id), ['acc', 'diverged', 'loss', 'up']);
    const loss = await series(server, id, 'loss');
    assert.deepEqual(loss.steps, range(N));
    assert.deepEqual(loss.values, range(N).map((s) => 1 / (s + 1)));
    assert.deepEqual((await series(server, id, 'acc')).steps, range(N));
    assert.deepEqual((await series(server, id, 'diverged')).values, ['NaN']);
    assert.deepEqual((await series(server, id, 'up')).values, ['Infinity']);
    assert.equal(job.progress.total, N);
    const { body } = await server.api(`/api/v1/jobs/${id}/checkpoints`);
    assert.deepEqual(body.checkpoints.map((c: { step: number }) => c.step), [249, 499, 749, 999]);
    assert.deepEqual(body.checkpoints.map((c: { bytes: number }) => c.bytes), [250, 500, 750, 1000]);
    const checkpointDir = (body.checkpoints[0].path as string).replace(/\/[^/]+$/, '');
    assert.deepEqual(readdirSync(checkpointDir).filter((n) => n.includes('.tmp-')), []);
  });

  it('never throws from log() on bad values and warns once per problem', async () => {
    const { id } = await submitScript(server, BAD_VALUES);
    const job = await waitForJob(server, id, ['succeeded', 'failed', 'stopped']);
    await assertSucceeded(server, id, job);
    const text = await logOf(server, id);
    assert.match(text, /script done/);
    assert.deepEqual(await seriesKeys(server, id), ['big', 'loss']);
    assert.deepEqual((await series(server, id, 'loss')).values, range(10));
    const warnings = text.split('\n').filter((line) => line.startsWith('trainyard: warning:'));
    assert.ok(warnings.length >= 5 && warnings.length <= 7, warnings.join('\n'));
    assert.equal(new Set(warnings).size, warnings.length, 'a warning was repeated');
  });

  it('turns shouldStop() true on a stop, and the script checkpoints and exits', async () => {
    const { id } = await submitScript(server, STOP, [], { stopGraceSeconds: 20 });
    await waitFor(async () => (await seriesKeys(server, id)).includes('loss'), { what: 'first points' });
    assert.equal((await server.api(`/api/v1/jobs/${id}/stop`, { method: 'POST', body: {} })).status, 200);
    const job = await waitForJob(server, id, ['succeeded', 'failed', 'stopped']);
    const text = await logOf(server, id);
    const match = /stopped cleanly at step (\d+)/.exec(text);
    assert.ok(match, text);
    assert.ok(['stopped', 'succeeded'].includes(job.state), job.state);
    const lastStep = Number(match[1]);
    const { body } = await server.api(`/api/v1/jobs/${id}/checkpoints`);
    assert.deepEqual(body.checkpoints.map((c: { step: number }) => c.step), [lastStep]);
    assert.deepEqual((await series(server, id, 'loss')).steps, range(lastStep + 1));
  });
});

describe('TypeScript SDK while the server is frozen', () => {
  it('returns from checkpoint() at once, and registers the checkpoint once the server thaws', async () => {
    const server = await startServer();
    let frozen = false;
    try {
      const control = tempDir('trainyard-sdk-ts-control-');
      const { id } = await submitScript(server, FROZEN, [control]);
      await waitFor(async () => (await series(server, id, 'loss')).steps.length >= 50, { what: 'first points' });
      process.kill(server.pid, 'SIGSTOP');
      frozen = true;
      const frozenAt = Date.now();
      writeFileSync(join(control, 'frozen'), '');
      const returnedFile = join(control, 'returned');
      await waitFor(() => existsSync(returnedFile), { what: 'checkpoint() to return', timeoutMs: 30_000 });
      const returned = JSON.parse(readFileSync(returnedFile, 'utf8'));
      // A generous bound: before, the call waited for the registration (7 s measured).
      assert.ok(returned.ms < 1_000, `checkpoint() took ${returned.ms} ms while the server was frozen`);
      await sleep(Math.max(0, frozenAt + 5_000 - Date.now()));
      assert.equal(existsSync(join(control, 'registered')), false, 'registered while the server was frozen?');
      process.kill(server.pid, 'SIGCONT');
      frozen = false;
      writeFileSync(join(control, 'thawed'), '');
      const job = await waitForJob(server, id, ['succeeded', 'failed', 'stopped'], 120_000);
      await assertSucceeded(server, id, job);
      const { record } = JSON.parse(readFileSync(join(control, 'registered'), 'utf8'));
      assert.equal(record?.step, returned.checkpointStep, JSON.stringify(record));
      const { body } = await server.api(`/api/v1/jobs/${id}/checkpoints`);
      assert.deepEqual(body.checkpoints.map((c: { step: number }) => c.step), [returned.checkpointStep]);
      const loss = await series(server, id, 'loss');
      assert.deepEqual(loss.steps, range(loss.steps.length), 'every point exactly once');
      assert.ok(loss.steps.length > returned.checkpointStep, 'the points up to the checkpoint arrived');
    } finally {
      if (frozen) process.kill(server.pid, 'SIGCONT');
      await server.stop().catch(() => undefined);
      killRuns(server.dataDir);
    }
  });
});

describe('TypeScript SDK while the server is down', () => {
  it('keeps training, spools, and backfills after a restart with no loss and no duplicates', async () => {
    let server = await startServer();
    const dataDir = server.dataDir;
    try {
      const control = tempDir('trainyard-sdk-ts-control-');
      const { id } = await submitScript(server, OUTAGE, [control]);
      await waitFor(async () => (await series(server, id, 'loss').catch(() => ({ steps: [] }))).steps.length >= 200, {
        what: '200 points before the crash',
      });
      await server.kill9();
      writeFileSync(join(control, 'killed'), '');
      const spooledFile = join(control, 'spooled');
      await waitFor(() => existsSync(spooledFile), { what: 'the script to spool while the server is down' });
      const spooled = JSON.parse(readFileSync(spooledFile, 'utf8'));
      assert.ok(spooled.files >= 3, `spool files: ${spooled.files}`);

      server = await server.restart();
      writeFileSync(join(control, 'restarted'), '');
      const job = await waitForJob(server, id, ['succeeded', 'failed', 'stopped'], 120_000);
      await assertSucceeded(server, id, job);
      const done = JSON.parse(readFileSync(join(control, 'done'), 'utf8'));
      assert.equal(done.left, 0, 'the spool was emptied');
      const loss = await series(server, id, 'loss');
      assert.equal(loss.steps.length, done.steps, 'every point exactly once');
      assert.deepEqual(loss.steps, range(done.steps));
      assert.deepEqual((await series(server, id, 'x')).values, range(done.steps));
      const { body } = await server.api(`/api/v1/jobs/${id}/checkpoints`);
      assert.deepEqual(body.checkpoints.map((c: { step: number }) => c.step), [spooled.checkpointStep]);
    } catch (error) {
      // Show what the script and the server said: a timeout alone does not explain itself.
      const jobLog = await server.api('/api/v1/jobs?limit=1').then(
        ({ body }) => (body.jobs?.[0] ? logOf(server, body.jobs[0].id) : 'no job'),
        (e: unknown) => `server unreachable: ${String(e)}`,
      );
      console.error(`job log:\n${jobLog}\nserver output:\n${server.output()}`);
      throw error;
    } finally {
      await server.stop().catch(() => undefined);
      killRuns(dataDir);
    }
  });
});
