/**
 * Supervises one run (attempt) of a job: starts or re-adopts its process through an executor,
 * follows its log, carries out stop requests (SIGTERM to the group, then SIGKILL after the
 * grace period), and classifies how it ended. It persists nothing itself: the hooks do.
 *
 * It uses the Executor interface only: the executor says whether the run was killed for memory
 * (`ExitReport.oomKilled`); the log tail that finds CUDA out-of-memory errors is read from the
 * log file the request named, which the server reads while the run goes anyway.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { classifyExit } from '../core/classify.ts';
import type { RunHandle, RunOutcome } from '../core/types.ts';
import type { Executor, ExitReport, ExitStatus, RunningProcess, RunRef, StartRequest } from '../executors/executor.ts';
import { createLogTailer, type LogTailer } from './log-tailer.ts';

export interface AttemptHooks {
  /** The process is running; persist its handle so a later server can adopt it. */
  onStarted(handle: RunHandle): Promise<void>;
  /** New complete log lines, and the log offset just after them. */
  onLogLines(text: string, offsetAfter: number): Promise<void>;
  /**
   * Called exactly once, after the last log line was delivered; `peakGpuMemoryMiB` when the
   * executor measured it (`ExitReport`).
   */
  onExit(status: ExitStatus & { readonly peakGpuMemoryMiB?: number | null }, outcome: RunOutcome): Promise<void>;
}

export interface AttemptOptions {
  readonly executor: Executor;
  readonly hooks: AttemptHooks;
  /** Log offset already applied (non-zero when adopting after a restart). */
  readonly logOffset: number;
  /** Default: 200 ms. */
  readonly logPollMs?: number;
}

/** Where a run to adopt lives: what its executor needs (`RunRef`) and its log. */
export interface AdoptRequest extends RunRef {
  readonly logPath: string;
}

export interface Attempt {
  /** SIGTERM to the process group now and SIGKILL after `graceMs` if it is still alive. */
  stop(graceMs: number): void;
  /** Settles after `onExit` has completed, or once detached. */
  readonly done: Promise<void>;
  /**
   * Stops supervising without ending anything: no more log lines, no `onExit`, no SIGKILL
   * timer. The process goes on, for the next server to adopt (a server shutting down does this).
   */
  detach(): Promise<void>;
}

/** How the executor's part began: the facts the rest of the attempt works from. */
type Begun =
  | { readonly kind: 'running'; readonly process: RunningProcess; readonly record: boolean }
  | { readonly kind: 'exited'; readonly status: ExitReport }
  | { readonly kind: 'lost'; readonly detail: string }
  | { readonly kind: 'refused'; readonly detail: string };

const LOG_TAIL_BYTES = 16 * 1024;
const NO_STATUS: ExitStatus = { exitCode: null, signal: null };

export const LOST_UNWATCHED = 'the process ended while no server watched it and left no exit status';
export const LOST_NEVER_STARTED = 'its process was never started, or not found: the server stopped before recording it';

/** Preflight, then start; a refusal of either is a configuration error (never retried). */
export function startAttempt(options: AttemptOptions, request: StartRequest): Attempt {
  const { executor } = options;
  return supervise(options, request.logPath, async (): Promise<Begun> => {
    try {
      const problem = await executor.preflight(request);
      if (problem !== null) return { kind: 'refused', detail: problem };
      return { kind: 'running', process: await executor.start(request), record: true };
    } catch (error) {
      return { kind: 'refused', detail: String(error) };
    }
  });
}

/**
 * Watches a run started by an earlier server: by its persisted handle, or by `request` when the
 * handle was never recorded (then the handle found is recorded through `onStarted`).
 */
export function adoptAttempt(options: AttemptOptions, handle: RunHandle | null, request: AdoptRequest): Attempt {
  const { executor } = options;
  return supervise(options, request.logPath, async (): Promise<Begun> => {
    if (handle !== null && handle.executor !== executor.name) {
      return { kind: 'lost', detail: `it was started by the ${handle.executor} executor, and this server runs ${executor.name}` };
    }
    try {
      const adopted = await executor.adopt(handle, { runDir: request.runDir, name: request.name });
      if (adopted.kind === 'alive') return { kind: 'running', process: adopted.process, record: handle === null };
      if (adopted.kind === 'exited') return adopted;
      return { kind: 'lost', detail: handle === null ? LOST_NEVER_STARTED : LOST_UNWATCHED };
    } catch (error) {
      return { kind: 'lost', detail: `the ${executor.name} executor could not find it: ${String(error)}` };
    }
  });
}

function supervise(options: AttemptOptions, logPath: string, begin: () => Promise<Begun>): Attempt {
  const { executor, hooks } = options;
  let handle: RunHandle | null = null;
  let stopRequested = false;
  let killTimer: NodeJS.Timeout | null = null;
  let detach: () => void = () => {};
  const detached = new Promise<'detached'>((resolve) => (detach = () => resolve('detached')));
  let isDetached = false;
  const signal = (name: 'SIGTERM' | 'SIGKILL') => {
    if (handle && !isDetached) void executor.signal(handle, name).catch(() => {});
  };
  let tailer: LogTailer | null = null;

  const done = (async () => {
    const begun = await Promise.race([begin(), detached]);
    if (begun === 'detached') return;
    if (begun.kind === 'refused') {
      const outcome = classifyExit({ ...NO_STATUS, stopRequested, oomKilled: false, logTail: '', spawnError: begun.detail });
      return hooks.onExit(NO_STATUS, outcome);
    }
    tailer = createLogTailer({ path: logPath, offset: options.logOffset, onLines: hooks.onLogLines, pollMs: options.logPollMs });
    let report: ExitReport = { ...NO_STATUS, oomKilled: false };
    if (begun.kind === 'running') {
      handle = begun.process.handle;
      if (begun.record) await hooks.onStarted(handle);
      if (stopRequested) signal('SIGTERM');
      const ended = await Promise.race([begun.process.exited, detached]);
      if (ended === 'detached') return;
      report = ended;
    } else if (begun.kind === 'exited') {
      report = begun.status;
    }
    if (killTimer) clearTimeout(killTimer);
    if (isDetached) return;
    await tailer.close();
    const status: ExitStatus = { exitCode: report.exitCode, signal: report.signal };
    const outcome: RunOutcome = begun.kind === 'lost'
      ? { kind: 'lost', detail: begun.detail, retryable: true }
      // The executor's own verdict (Slurm's TIMEOUT, NODE_FAIL, …) unless a stop was asked for.
      : report.outcome && !stopRequested ? report.outcome
      : classifyExit({ ...status, stopRequested, oomKilled: report.oomKilled, logTail: readTail(logPath, LOG_TAIL_BYTES), spawnError: null });
    const peak = report.peakGpuMemoryMiB ?? null;
    await hooks.onExit(peak === null ? status : { ...status, peakGpuMemoryMiB: peak }, outcome);
  })();

  return {
    done,
    async detach() {
      isDetached = true;
      if (killTimer) clearTimeout(killTimer);
      detach();
      await tailer?.detach();
      await done;
    },
    stop(graceMs: number) {
      if (stopRequested) return;
      stopRequested = true;
      signal('SIGTERM');
      killTimer = setTimeout(() => signal('SIGKILL'), graceMs);
      killTimer.unref();
    },
  };
}

function readTail(path: string, bytes: number): string {
  try {
    const size = statSync(path).size;
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(Math.min(size, bytes));
      readSync(fd, buffer, 0, buffer.length, size - buffer.length);
      return buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}
