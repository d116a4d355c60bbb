/**
 * Wires the pure scheduler, the store and the supervisor together: starts queued jobs on free
 * slots, follows each run (log lines, line protocol, exit), retries failed runs from their
 * latest checkpoint, carries out stop requests, and adopts runs left by a server that died.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { retryDelayMs, shouldRetry } from '../core/retry.ts';
import type { Job, RunOutcome, RunState } from '../core/types.ts';
import type { Executor, ExitStatus } from '../executors/executor.ts';
import { schedule, type Placement, type SlotInventory } from '../scheduler/scheduler.ts';
import type { Store } from '../store/store.ts';
import { adoptAttempt, startAttempt, type Attempt, type AttemptHooks } from '../supervisor/attempt.ts';
import { issueToken } from './auth.ts';
import type { DataDirLayout } from './data-dir.ts';
import type { EventBus } from './events.ts';
import { jobView } from './views.ts';
import { applyLogLines } from './log-lines.ts';
import { takeInSpool } from './spool-intake.ts';
import type { ProgressBook } from './progress-book.ts';

export interface RunManagerDeps {
  readonly store: Store;
  readonly executor: Executor;
  readonly bus: EventBus;
  readonly layout: DataDirLayout;
  readonly progress: ProgressBook;
  readonly slots: SlotInventory;
  readonly serverUrl: () => string;
  /** Environment every run inherits before its own. */
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Default: 500 ms. */
  readonly tickMs?: number;
}

export interface RunManager {
  /** Adopts or settles runs a previous server left `running`; call once before `start`. */
  recover(): Promise<void>;
  start(): void;
  /** Looks at the queue now (also done every tickMs and after every change). */
  poke(): void;
  requestStop(jobId: number): Promise<Job | null>;
  /** Stops the loop. Runs keep going, to be adopted by the next server. */
  close(): Promise<void>;
}

interface LiveRun {
  readonly runId: number;
  readonly jobId: number;
  readonly gpus: readonly number[];
  readonly cpus: number;
  attempt: Attempt | null;
}

interface Allocation {
  readonly gpus: readonly number[];
  readonly cpus: number;
}

export function createRunManager(deps: RunManagerDeps): RunManager {
  const { store, bus, layout, now } = deps;
  const live = new Map<number, LiveRun>();
  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<void> | null = null;
  let again = false;
  let closed = false;

  async function tick(): Promise<void> {
    const queued = (await store.listJobs({ states: ['queued'], limit: 10_000 })).reverse();
    if (queued.length === 0) return;
    const plan = schedule({
      now: now(),
      slots: deps.slots,
      running: [...live.values()],
      queue: queued.map((j) => ({ jobId: j.id, gpus: j.spec.resources.gpus, cpus: j.spec.resources.cpus, notBefore: j.notBefore })),
    });
    for (const placement of plan.start) await launch(placement);
    for (const { jobId, reason } of plan.unschedulable) {
      const job = await store.updateJob(jobId, { state: 'failed', endedAt: now(), outcome: { kind: 'config-error', detail: reason, retryable: false } });
      publishJob(job);
    }
  }

  function poke(): void {
    if (closed) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = tick()
      .catch((error) => deps.log(`dispatcher: ${String(error?.stack ?? error)}`))
      .finally(() => {
        ticking = null;
        if (again) {
          again = false;
          poke();
        }
      });
  }

  async function launch(placement: Placement): Promise<void> {
    const resume = await store.latestCheckpoint(placement.jobId);
    const job0 = await store.getJob(placement.jobId);
    if (!job0) return;
    const runDir = layout.runDir(job0.id, job0.attempts + 1);
    mkdirSync(runDir, { recursive: true });
    const claimed = await store.claimJob(placement.jobId, {
      logPath: join(runDir, 'log'),
      resumedFrom: resume?.id ?? null,
      resumeStep: resume?.step ?? null,
    }, now());
    if (!claimed) return;
    const { job, run } = claimed;
    // Points the earlier runs logged past the resume point are superseded by this run's;
    // a retry without a checkpoint starts the step axis over.
    if (resume) await store.truncateAfter(job.id, resume.step);
    else if (run.attempt > 1) await store.truncateAfter(job.id, -Infinity);
    const allocation: Allocation = { gpus: placement.gpus, cpus: placement.cpus };
    writeFileSync(join(runDir, 'allocation.json'), JSON.stringify(allocation));
    const checkpointDir = layout.checkpointDir(job.id);
    const spoolDir = layout.spoolDir(job.id);
    mkdirSync(checkpointDir, { recursive: true });
    mkdirSync(spoolDir, { recursive: true });
    const token = await issueToken(store, { role: 'run', runId: run.id, jobId: job.id }, now());
    const env: Record<string, string> = {
      ...deps.baseEnv,
      PYTHONUNBUFFERED: '1',
      ...job.spec.env,
      TRAINYARD_URL: deps.serverUrl(),
      TRAINYARD_TOKEN: token.token,
      TRAINYARD_JOB_ID: String(job.id),
      TRAINYARD_RUN_ID: String(run.id),
      TRAINYARD_ATTEMPT: String(run.attempt),
      TRAINYARD_CHECKPOINT_DIR: checkpointDir,
      TRAINYARD_RESUME_FROM: resume?.path ?? '',
      TRAINYARD_RESUME_STEP: resume ? String(resume.step) : '',
      TRAINYARD_PARAMS: JSON.stringify(job.spec.params),
      TRAINYARD_SPOOL_DIR: spoolDir,
      CUDA_VISIBLE_DEVICES: placement.gpus.join(','),
    };
    const argv = job.spec.shell ? ['/bin/sh', '-c', job.spec.command[0]] : [...job.spec.command];
    const entry: LiveRun = { runId: run.id, jobId: job.id, ...allocation, attempt: null };
    live.set(run.id, entry);
    deps.progress.begin(job.id, resume?.step ?? null);
    publishJob(job);
    deps.log(`job ${job.id} (${job.spec.name}) attempt ${run.attempt} started${resume ? ` from checkpoint step ${resume.step}` : ''}`);
    entry.attempt = startAttempt(
      { executor: deps.executor, hooks: hooksFor(entry, run.logPath), logOffset: 0 },
      { argv, cwd: job.spec.cwd, env, logPath: run.logPath, exitPath: join(runDir, 'exit-status') },
    );
  }

  function hooksFor(entry: LiveRun, logPath: string): AttemptHooks {
    return {
      async onStarted(handle) {
        await store.markRunStarted(entry.runId, handle.pid, handle.procStart);
        const job = await store.getJob(entry.jobId);
        // A stop that arrived while the process was being started.
        if (job?.stopRequested) entry.attempt?.stop(job.spec.stopGraceSeconds * 1000);
      },
      async onLogLines(text, offsetAfter) {
        await applyLogLines({ store, bus, layout, progress: deps.progress, now }, entry, text, offsetAfter, (warning) => {
          appendFileSync(logPath, `[trainyard] ${warning}\n`);
        });
      },
      async onExit(status, outcome) {
        await settle(entry, status, outcome);
      },
    };
  }

  async function settle(entry: LiveRun, status: ExitStatus, outcome: RunOutcome): Promise<void> {
    const t = now();
    const runState: RunState = outcome.kind === 'success' ? 'succeeded'
      : outcome.kind === 'stopped' ? 'stopped'
      : outcome.kind === 'lost' ? 'lost'
      : 'failed';
    const run = await store.finishRun(entry.runId, { state: runState, exitCode: status.exitCode, signal: status.signal, outcome, endedAt: t });
    await store.revokeRunTokens(entry.runId);
    const job = await store.getJob(entry.jobId);
    live.delete(entry.runId);
    if (!job) return;
    const spool = await takeInSpool(store, layout.spoolDir(job.id), layout.checkpointDir(job.id), run, job.spec.keepCheckpoints, t);
    if (spool.files > 0) deps.log(`job ${job.id} attempt ${run.attempt}: took in ${spool.points} spooled points and ${spool.checkpoints} checkpoints`);
    for (const { file, reason } of spool.refused) deps.log(`job ${job.id}: spool file ${file} not taken in: ${reason}`);
    let change: Parameters<Store['updateJob']>[1];
    if (outcome.kind === 'success') change = { state: 'succeeded', endedAt: t, outcome };
    else if (outcome.kind === 'stopped' || job.stopRequested) change = { state: 'stopped', endedAt: t, outcome };
    else if (shouldRetry(outcome, run.attempt, job.spec.maxRetries)) change = { state: 'queued', notBefore: t + retryDelayMs(run.attempt), outcome };
    else change = { state: 'failed', endedAt: t, outcome };
    await deps.progress.flush(job.id);
    const updated = await store.updateJob(job.id, change);
    deps.log(`job ${job.id} attempt ${run.attempt} ended: ${outcome.detail}; job ${updated.state}`);
    publishJob(updated);
    poke();
  }

  async function recover(): Promise<void> {
    for (const run of await store.listLiveRuns()) {
      const job = await store.getJob(run.jobId);
      if (!job) continue;
      const runDir = layout.runDir(job.id, run.attempt);
      const allocation = readAllocation(join(runDir, 'allocation.json'));
      const entry: LiveRun = { runId: run.id, jobId: job.id, ...allocation, attempt: null };
      live.set(run.id, entry);
      deps.progress.begin(job.id, run.resumeStep);
      const logOffset = await store.getLogOffset(run.id);
      const handle = { pid: run.pid ?? 0, procStart: run.procStart, exitPath: join(runDir, 'exit-status') };
      entry.attempt = adoptAttempt({ executor: deps.executor, hooks: hooksFor(entry, run.logPath), logOffset }, handle, run.logPath);
      deps.log(`job ${job.id} attempt ${run.attempt}: re-attached to pid ${run.pid}`);
      if (job.stopRequested) entry.attempt.stop(job.spec.stopGraceSeconds * 1000);
    }
  }

  function publishJob(job: Job): void {
    bus.publish({ type: 'job', jobId: job.id, data: jobView(job) });
  }

  return {
    recover,
    poke,
    start() {
      timer = setInterval(poke, deps.tickMs ?? 500);
      timer.unref();
      poke();
    },
    async requestStop(jobId) {
      const job = await store.requestStop(jobId, now());
      if (!job) return null;
      for (const entry of live.values()) {
        if (entry.jobId === jobId) entry.attempt?.stop(job.spec.stopGraceSeconds * 1000);
      }
      publishJob(job);
      return job;
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await ticking;
    },
  };
}

function readAllocation(path: string): Allocation {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Allocation;
    return { gpus: parsed.gpus ?? [], cpus: parsed.cpus ?? 0 };
  } catch {
    return { gpus: [], cpus: 0 };
  }
}
