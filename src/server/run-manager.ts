/**
 * Wires the pure scheduler, the store and the supervisor together: starts queued jobs on the
 * slots the scheduler picks, follows each run (log lines, line protocol, exit), carries out
 * stop, pause and preemption, runs the watchdogs, retries failed runs from their latest
 * checkpoint, and adopts runs left by a server that died.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { dependencyStatus } from '../core/dependencies.ts';
import { checkDivergence, checkRunLimits, type DivergenceState } from '../core/watchdog.ts';
import type { Checkpoint, Job, JobState, Priority, RunOutcome, SeriesPoints, StopReason } from '../core/types.ts';
import { datasetsForRun } from '../datasets/job-datasets.ts';
import type { Executor, ExitStatus } from '../executors/executor.ts';
import { schedule, type Placement, type SlotInventory } from '../scheduler/scheduler.ts';
import type { Store } from '../store/store.ts';
import { adoptAttempt, startAttempt, type Attempt, type AttemptHooks } from '../supervisor/attempt.ts';
import { issueToken } from './auth.ts';
import type { DataDirLayout } from './data-dir.ts';
import type { EventBus } from './events.ts';
import { decideRunEnd } from './job-outcome.ts';
import { applyLogLines } from './log-lines.ts';
import type { ProgressBook } from './progress-book.ts';
import { runEnv } from './run-env.ts';
import { queuedView, runningView } from './snapshot.ts';
import { takeInSpool } from './spool-intake.ts';
import { jobView } from './views.ts';

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
  /** Stop, pause (or a watchdog's reason): ends the running run, or holds a queued job. */
  requestStop(jobId: number, reason?: StopReason): Promise<Job | null>;
  resume(jobId: number): Promise<Job | null>;
  setPriority(jobId: number, priority: Priority): Promise<Job | null>;
  moveToFront(jobId: number): Promise<Job | null>;
  /** New points of a job arrived (HTTP or line protocol): progress, divergence, live event. */
  onMetrics(jobId: number, runId: number, series: ReadonlyMap<string, SeriesPoints>, maxStep: number | null, latest: Record<string, { step: number; value: number }>): void;
  /** Stops the loop. Runs keep going, to be adopted by the next server. */
  close(): Promise<void>;
}

export interface LiveRun {
  readonly runId: number;
  readonly jobId: number;
  readonly gpus: readonly number[];
  readonly cpus: number;
  readonly startedAt: number;
  attempt: Attempt | null;
  divergence: DivergenceState;
  diverged: { step: number; detail: string } | null;
}

export function createRunManager(deps: RunManagerDeps): RunManager {
  const { store, bus, layout, now } = deps;
  const live = new Map<number, LiveRun>();
  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<void> | null = null;
  let again = false;
  let closed = false;

  async function tick(): Promise<void> {
    await watch();
    const queued = await store.listJobs({ states: ['queued'], limit: 10_000 });
    if (queued.length === 0) return;
    const ready: Job[] = [];
    for (const job of queued) {
      const deps = await dependencies(job);
      if (deps.kind === 'ready') ready.push(job);
      else if (deps.kind === 'failed') await finishUnstarted(job, { kind: 'dependency-failed', detail: deps.detail, retryable: false });
    }
    const jobs = new Map((await Promise.all([...live.values()].map((r) => store.getJob(r.jobId)))).filter((j): j is Job => j !== null).map((j) => [j.id, j]));
    const checkpoints = new Map<number, Checkpoint | null>();
    for (const r of live.values()) checkpoints.set(r.jobId, await store.latestCheckpoint(r.jobId));
    const plan = schedule({
      now: now(),
      slots: deps.slots,
      running: [...live.values()].flatMap((r) => (jobs.has(r.jobId) ? [runningView(r, jobs.get(r.jobId)!, checkpoints.get(r.jobId) ?? null, now())] : [])),
      queue: ready.map(queuedView),
    });
    for (const { jobId, forJobId } of plan.preempt) {
      deps.log(`job ${jobId}: preempted for job ${forJobId}`);
      await requestStop(jobId, 'preempt');
    }
    for (const placement of plan.start) await launch(placement);
    for (const { jobId, reason } of plan.unschedulable) {
      const job = await store.getJob(jobId);
      if (job) await finishUnstarted(job, { kind: 'config-error', detail: reason, retryable: false });
    }
  }

  async function dependencies(job: Job) {
    if (job.spec.after.length === 0) return { kind: 'ready' } as const;
    const states = new Map<number, JobState | undefined>();
    for (const id of job.spec.after) states.set(id, (await store.getJob(id))?.state);
    return dependencyStatus(job.spec.after, states);
  }

  async function finishUnstarted(job: Job, outcome: RunOutcome): Promise<void> {
    publishJob(await store.updateJob(job.id, { state: 'failed', endedAt: now(), outcome }));
  }

  /** Time limits and stuck runs. */
  async function watch(): Promise<void> {
    for (const entry of live.values()) {
      const job = await store.getJob(entry.jobId);
      if (!job || job.stopReason !== null) continue;
      const verdict = checkRunLimits(job.spec, { now: now(), startedAt: entry.startedAt, lastProgressAt: deps.progress.lastProgressAt(job.id) });
      if (verdict) {
        deps.log(`job ${job.id}: ${verdict === 'stuck' ? `no new step for ${job.spec.watchdog.stuckSeconds} s` : 'time limit reached'}; stopping it`);
        await requestStop(job.id, verdict);
      }
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

  /** The checkpoint a new run resumes from: the latest, or the latest before a divergence. */
  async function resumePoint(job: Job): Promise<Checkpoint | null> {
    const before = job.outcome?.kind === 'diverged' ? job.outcome.step : undefined;
    if (before === undefined) return store.latestCheckpoint(job.id);
    const good = (await store.listCheckpoints(job.id)).filter((c) => !c.deleted && c.step < before);
    return good.sort((a, b) => b.step - a.step || b.id - a.id)[0] ?? null;
  }

  async function launch(placement: Placement): Promise<void> {
    const job0 = await store.getJob(placement.jobId);
    if (!job0) return;
    const resume = await resumePoint(job0);
    const runDir = layout.runDir(job0.id, job0.attempts + 1);
    mkdirSync(runDir, { recursive: true });
    const claimed = await store.claimJob(placement.jobId, {
      logPath: join(runDir, 'log'),
      resumedFrom: resume?.id ?? null,
      resumeStep: resume?.step ?? null,
      gpus: placement.gpus,
      cpus: placement.cpus,
    }, now());
    if (!claimed) return;
    const { job, run } = claimed;
    // Points the earlier runs logged past the resume point are superseded by this run's;
    // a retry without a checkpoint starts the step axis over.
    if (resume) await store.truncateAfter(job.id, resume.step);
    else if (run.attempt > 1) await store.truncateAfter(job.id, -Infinity);
    const checkpointDir = layout.checkpointDir(job.id);
    const spoolDir = layout.spoolDir(job.id);
    mkdirSync(checkpointDir, { recursive: true });
    mkdirSync(spoolDir, { recursive: true });
    const token = await issueToken(store, { role: 'run', runId: run.id, jobId: job.id }, now());
    const env = runEnv({ job, run, resume, checkpointDir, spoolDir, baseEnv: deps.baseEnv, serverUrl: deps.serverUrl(), token: token.token, gpus: placement.gpus });
    env.TRAINYARD_DATASETS = await datasetsForRun(store, layout.datasetDir, job, run.id, now());
    const argv = job.spec.shell ? ['/bin/sh', '-c', job.spec.command[0]] : [...job.spec.command];
    const entry = newEntry(run.id, job.id, placement.gpus, placement.cpus, run.startedAt);
    live.set(run.id, entry);
    deps.progress.begin(job.id, resume?.step ?? null);
    publishJob(job);
    deps.log(`job ${job.id} (${job.spec.name}) attempt ${run.attempt} started${resume ? ` from checkpoint step ${resume.step}` : ''}${placement.gpus.length ? ` on GPU ${placement.gpus.join(',')}` : ''}`);
    entry.attempt = startAttempt(
      { executor: deps.executor, hooks: hooksFor(entry, run.logPath), logOffset: 0 },
      { argv, cwd: job.spec.cwd, env, logPath: run.logPath, exitPath: join(runDir, 'exit-status') },
    );
  }

  function newEntry(runId: number, jobId: number, gpus: readonly number[], cpus: number, startedAt: number): LiveRun {
    return { runId, jobId, gpus, cpus, startedAt, attempt: null, divergence: { min: null }, diverged: null };
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
        await applyLogLines({ store, bus, layout, progress: deps.progress, now, onMetrics: manager.onMetrics }, entry, text, offsetAfter, (warning) => {
          appendFileSync(logPath, `[trainyard] ${warning}\n`);
        });
      },
      async onExit(status, outcome) {
        await settle(entry, status, outcome);
      },
    };
  }

  async function settle(entry: LiveRun, status: ExitStatus, exitOutcome: RunOutcome): Promise<void> {
    const t = now();
    const job = await store.getJob(entry.jobId);
    live.delete(entry.runId);
    const run0 = await store.getRun(entry.runId);
    if (!job || !run0) return;
    const spool = await takeInSpool(store, layout.spoolDir(job.id), layout.checkpointDir(job.id), run0, job.spec.keepCheckpoints, t);
    if (spool.files > 0) deps.log(`job ${job.id} attempt ${run0.attempt}: took in ${spool.points} spooled points and ${spool.checkpoints} checkpoints`);
    for (const { file, reason } of spool.refused) deps.log(`job ${job.id}: spool file ${file} not taken in: ${reason}`);
    const end = decideRunEnd({ job, attempt: run0.attempt, outcome: exitOutcome, now: t, divergence: entry.diverged ?? undefined });
    const run = await store.finishRun(entry.runId, { state: end.runState, exitCode: status.exitCode, signal: status.signal, outcome: end.outcome, endedAt: t });
    await store.revokeRunTokens(entry.runId);
    await deps.progress.flush(job.id);
    const updated = await store.updateJob(job.id, end.job);
    deps.log(`job ${job.id} attempt ${run.attempt} ended: ${end.outcome.detail}; job ${updated.state}`);
    publishJob(updated);
    poke();
  }

  async function recover(): Promise<void> {
    for (const run of await store.listLiveRuns()) {
      const job = await store.getJob(run.jobId);
      if (!job) continue;
      const runDir = layout.runDir(job.id, run.attempt);
      const entry = newEntry(run.id, job.id, run.gpus, run.cpus, run.startedAt);
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

  async function requestStop(jobId: number, reason: StopReason = 'stop'): Promise<Job | null> {
    const job = await store.requestStop(jobId, now(), reason);
    if (!job) return null;
    if (job.stopReason === reason || reason === 'stop') {
      for (const entry of live.values()) {
        if (entry.jobId === jobId) entry.attempt?.stop(job.spec.stopGraceSeconds * 1000);
      }
    }
    publishJob(job);
    return job;
  }

  const manager: RunManager = {
    recover,
    poke,
    start() {
      timer = setInterval(poke, deps.tickMs ?? 500);
      timer.unref();
      poke();
    },
    requestStop,
    async resume(jobId) {
      const job = await store.resumeJob(jobId);
      if (job) publishJob(job);
      poke();
      return job;
    },
    async setPriority(jobId, priority) {
      const job = await store.setPriority(jobId, priority);
      if (job) publishJob(job);
      poke();
      return job;
    },
    async moveToFront(jobId) {
      const job = await store.moveToFront(jobId);
      if (job) publishJob(job);
      poke();
      return job;
    },
    onMetrics(jobId, runId, series, maxStep, latest) {
      if (maxStep !== null) deps.progress.observe(jobId, maxStep);
      bus.publish({ type: 'metrics', jobId, data: { jobId, runId, latest } });
      const entry = live.get(runId);
      if (!entry || entry.diverged) return;
      void store.getJob(jobId).then((job) => {
        const spec = job?.spec.watchdog.divergence;
        const points = spec ? series.get(spec.metric) : undefined;
        if (!job || !spec || !points || job.stopReason !== null) return;
        const { state, diverged } = checkDivergence(spec, entry.divergence, points.steps, points.values);
        entry.divergence = state;
        if (!diverged) return;
        entry.diverged = diverged;
        deps.log(`job ${jobId}: diverged (${diverged.detail}); stopping it`);
        return requestStop(jobId, 'diverged');
      }).catch((error) => deps.log(`divergence check: ${String(error)}`));
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await ticking;
    },
  };
  return manager;
}
