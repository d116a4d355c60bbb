import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import type { RunHandle, RunOutcome } from '../core/types.ts';
import type { ExitStatus, StartRequest } from '../executors/executor.ts';
import { createFakeExecutor, type FakeExecutor } from '../executors/fake/fake-executor.ts';
import { adoptAttempt, LOST_NEVER_STARTED, LOST_UNWATCHED, startAttempt, type Attempt, type AttemptHooks } from './attempt.ts';

const root = mkdtempSync(join(tmpdir(), 'trainyard-attempt-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function request(): StartRequest {
  n += 1;
  const runDir = join(root, `run-${n}`);
  return { argv: ['train'], cwd: root, env: {}, logPath: join(root, `log-${n}`), runDir, name: `run-${n}` };
}

/** Hooks that record what the supervisor told them, in order. */
function recorder() {
  const events: string[] = [];
  const result: { status: ExitStatus | null; outcome: RunOutcome | null; handle: RunHandle | null; log: string } = { status: null, outcome: null, handle: null, log: '' };
  const hooks: AttemptHooks = {
    async onStarted(handle) {
      result.handle = handle;
      events.push(`started ${handle.externalId}`);
    },
    async onLogLines(text, offsetAfter) {
      result.log += text;
      events.push(`log ${JSON.stringify(text)} ${offsetAfter}`);
    },
    async onExit(status, outcome) {
      result.status = status;
      result.outcome = outcome;
      events.push(`exit ${outcome.kind}`);
    },
  };
  return { events, result, hooks };
}

/** Awaits the attempt with a timer holding the event loop open (its own timers are unref'd). */
async function settled(attempt: Attempt): Promise<void> {
  const keep = setInterval(() => {}, 1_000);
  try {
    await attempt.done;
  } finally {
    clearInterval(keep);
  }
}

/** Waits until the fake has a run (start and adopt settle a few microtasks later). */
async function firstRun(executor: FakeExecutor) {
  while (executor.runs.length === 0) await sleep(1);
  return executor.runs[0];
}

const options = (executor: FakeExecutor, hooks: AttemptHooks, logOffset = 0) => ({ executor, hooks, logOffset, logPollMs: 10 });

describe('startAttempt', () => {
  it('starts, records the handle, delivers the log, and classifies the exit', async () => {
    const executor = createFakeExecutor();
    const { events, result, hooks } = recorder();
    const r = request();
    writeFileSync(r.logPath, 'step 1\n');
    const attempt = startAttempt(options(executor, hooks), r);
    const run = await firstRun(executor);
    assert.deepEqual(run.request, r);
    appendFileSync(r.logPath, 'step 2\n');
    run.exit({ exitCode: 0 });
    await settled(attempt);
    assert.equal(events[0], `started ${run.handle.externalId}`);
    assert.equal(events.at(-1), 'exit success');
    assert.equal(result.log, 'step 1\nstep 2\n');
    assert.deepEqual(result.status, { exitCode: 0, signal: null });
    assert.deepEqual(result.handle, run.handle);
  });

  it("takes the executor's own verdict (Slurm's TIMEOUT) over the exit status, unless a stop was asked for", async () => {
    const timeout: RunOutcome = { kind: 'time-limit', detail: 'reached its Slurm time limit (TIMEOUT)', retryable: false };
    const executor = createFakeExecutor();
    const first = recorder();
    const attempt = startAttempt(options(executor, first.hooks), request());
    (await firstRun(executor)).exit({ exitCode: null, signal: 'SIGTERM', outcome: timeout });
    await settled(attempt);
    assert.deepEqual(first.result.outcome, timeout);

    const stopped = createFakeExecutor();
    const second = recorder();
    const asked = startAttempt(options(stopped, second.hooks), request());
    const run = await firstRun(stopped);
    asked.stop(60_000);
    run.exit({ exitCode: null, signal: 'SIGTERM', outcome: timeout });
    await settled(asked);
    assert.equal(second.result.outcome?.kind, 'stopped');
  });

  it('refuses a request that fails preflight as a configuration error, without starting it', async () => {
    const executor = createFakeExecutor();
    executor.preflightProblem = 'command train not found on PATH';
    const { events, result, hooks } = recorder();
    await settled(startAttempt(options(executor, hooks), request()));
    assert.deepEqual(events, ['exit config-error']);
    assert.deepEqual(result.outcome, { kind: 'config-error', detail: 'command train not found on PATH', retryable: false });
    assert.deepEqual(executor.calls, []);
  });

  it('reports a start that failed as a configuration error', async () => {
    const executor = createFakeExecutor();
    executor.startError = new Error('spawn EACCES');
    const { result, hooks } = recorder();
    await settled(startAttempt(options(executor, hooks), request()));
    assert.equal(result.outcome?.kind, 'config-error');
    assert.match(result.outcome?.detail ?? '', /spawn EACCES/);
  });

  it('classifies the exit from the executor\'s report and the log tail', async () => {
    const cases: Array<[string, Parameters<FakeExecutor['runs'][number]['exit']>[0], string]> = [
      ['', { exitCode: null, signal: 'SIGKILL', oomKilled: true }, 'oom-killed'],
      ['', { exitCode: null, signal: 'SIGKILL', oomKilled: false }, 'signal'],
      ['', { exitCode: 0, oomKilled: true }, 'success'],
      ['RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB\n', { exitCode: 1 }, 'cuda-oom'],
      ['', { exitCode: 78 }, 'config-error'],
      ['', { exitCode: 3 }, 'exit-code'],
    ];
    for (const [log, report, kind] of cases) {
      const executor = createFakeExecutor();
      const { result, hooks } = recorder();
      const r = request();
      writeFileSync(r.logPath, `loading\n${log}`);
      const attempt = startAttempt(options(executor, hooks), r);
      (await firstRun(executor)).exit(report);
      await settled(attempt);
      assert.equal(result.outcome?.kind, kind, JSON.stringify(report));
    }
  });

  it('stops with SIGTERM, then SIGKILL after the grace period when the run outlives SIGTERM', async () => {
    const executor = createFakeExecutor();
    const { result, hooks } = recorder();
    const attempt = startAttempt(options(executor, hooks), request());
    const run = await firstRun(executor);
    run.ignoreSigterm = true;
    attempt.stop(20);
    await settled(attempt);
    assert.deepEqual(run.signals, ['SIGTERM', 'SIGKILL']);
    assert.deepEqual(result.outcome, { kind: 'stopped', detail: 'stopped on request (SIGKILL)', retryable: false });
  });

  it('sends no SIGKILL to a run that ended on SIGTERM', async () => {
    const executor = createFakeExecutor();
    const { result, hooks } = recorder();
    const attempt = startAttempt(options(executor, hooks), request());
    const run = await firstRun(executor);
    attempt.stop(20);
    attempt.stop(20); // a second request changes nothing
    await settled(attempt);
    await sleep(60);
    assert.deepEqual(run.signals, ['SIGTERM']);
    assert.equal(result.outcome?.detail, 'stopped on request (SIGTERM)');
  });

  it('delivers a stop asked for before the process started, once it has', async () => {
    const executor = createFakeExecutor();
    const { events, hooks } = recorder();
    const attempt = startAttempt(options(executor, hooks), request());
    attempt.stop(10_000);
    await settled(attempt);
    const run = executor.runs[0];
    assert.deepEqual(executor.calls, [`start ${run.ref.name}`, `signal ${run.handle.externalId} SIGTERM`]);
    assert.deepEqual(events, [`started ${run.handle.externalId}`, 'exit stopped']);
  });
});

describe('adoptAttempt', () => {
  /** A run an earlier server started, and the executor of the server after it. */
  function earlier() {
    const before = createFakeExecutor();
    const r = request();
    const run = before.seed({ runDir: r.runDir, name: r.name });
    return { run, r, executor: before.restarted() };
  }

  it('watches a live run by its handle, without recording it again', async () => {
    const { run, r, executor } = earlier();
    const { events, result, hooks } = recorder();
    const attempt = adoptAttempt(options(executor, hooks), run.handle, r);
    while (executor.calls.length === 0) await sleep(1);
    run.exit({ exitCode: 4 });
    await settled(attempt);
    assert.deepEqual(executor.calls, [`adopt ${run.handle.externalId} ${r.name}`]);
    assert.deepEqual(events, ['exit exit-code']);
    assert.deepEqual(result.status, { exitCode: 4, signal: null });
  });

  it('records the handle of a live run found through its ref', async () => {
    const { run, r, executor } = earlier();
    const { events, hooks } = recorder();
    const attempt = adoptAttempt(options(executor, hooks), null, r);
    while (events.length === 0) await sleep(1);
    run.exit({ exitCode: 0 });
    await settled(attempt);
    assert.deepEqual(events, [`started ${run.handle.externalId}`, 'exit success']);
  });

  it('stops an adopted run through the restarted executor', async () => {
    const { run, r, executor } = earlier();
    run.ignoreSigterm = true;
    const { result, hooks } = recorder();
    const attempt = adoptAttempt(options(executor, hooks), run.handle, r);
    attempt.stop(20);
    await settled(attempt);
    assert.deepEqual(run.signals, ['SIGTERM', 'SIGKILL']);
    assert.equal(result.outcome?.kind, 'stopped');
  });

  it('classifies a run that ended unwatched from its recorded status, delivering the rest of its log', async () => {
    const { run, r, executor } = earlier();
    writeFileSync(r.logPath, 'old\nnew\n');
    run.exit({ exitCode: 5 });
    const { events, result, hooks } = recorder();
    await settled(adoptAttempt(options(executor, hooks, 4), run.handle, r));
    assert.deepEqual(events, ['log "new\\n" 8', 'exit exit-code']);
    assert.deepEqual(result.status, { exitCode: 5, signal: null });
  });

  it('calls a run lost: gone without a status, never started, another executor\'s, or not askable', async () => {
    const { run, r, executor } = earlier();
    run.statusRecorded = false;
    run.exit({ exitCode: 0 });
    const outcomeOf = async (handle: RunHandle | null, fresh = false) => {
      const { result, hooks } = recorder();
      await settled(adoptAttempt(options(executor, hooks), handle, fresh ? request() : r));
      assert.equal(result.outcome?.kind, 'lost');
      assert.equal(result.outcome?.retryable, true);
      assert.deepEqual(result.status, { exitCode: null, signal: null });
      return result.outcome?.detail;
    };
    assert.equal(await outcomeOf(run.handle), LOST_UNWATCHED);
    assert.equal(await outcomeOf(null, true), LOST_NEVER_STARTED);
    assert.equal(await outcomeOf({ executor: 'slurm', externalId: '17' }), 'it was started by the slurm executor, and this server runs fake');
    executor.adoptError = new Error('squeue timed out');
    assert.match((await outcomeOf(run.handle)) ?? '', /could not find it: Error: squeue timed out/);
  });
});
