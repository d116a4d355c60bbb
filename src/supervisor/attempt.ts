/**
 * Supervises one run (attempt) of a job: starts or re-adopts its process through an executor,
 * follows its log, carries out stop requests (SIGTERM to the group, then SIGKILL after the
 * grace period), and classifies how it ended. It persists nothing itself: the hooks do.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { classifyExit } from '../core/classify.ts';
import type { RunOutcome } from '../core/types.ts';
import type { Executor, ExitStatus, ProcessHandle, RunningProcess, StartRequest } from '../executors/executor.ts';
import { readOomKillCount } from '../executors/local/proc.ts';
import { createLogTailer } from './log-tailer.ts';
import { preflight } from './preflight.ts';

export interface AttemptHooks {
  /** The process is running; persist its handle so a later server can adopt it. */
  onStarted(handle: ProcessHandle): Promise<void>;
  /** New complete log lines, and the log offset just after them. */
  onLogLines(text: string, offsetAfter: number): Promise<void>;
  /** Called exactly once, after the last log line was delivered. */
  onExit(status: ExitStatus, outcome: RunOutcome): Promise<void>;
}

export interface AttemptOptions {
  readonly executor: Executor;
  readonly hooks: AttemptHooks;
  /** Log offset already applied (non-zero when adopting after a restart). */
  readonly logOffset: number;
  /** Default: 200 ms. */
  readonly logPollMs?: number;
}

export interface Attempt {
  /** SIGTERM to the process group now and SIGKILL after `graceMs` if it is still alive. */
  stop(graceMs: number): void;
  /** Settles after `onExit` has completed. */
  readonly done: Promise<void>;
}

const LOG_TAIL_BYTES = 16 * 1024;

export function startAttempt(options: AttemptOptions, request: StartRequest): Attempt {
  const problem = preflight(request.argv, request.cwd, request.env);
  if (problem !== null) {
    const outcome = classifyExit({ exitCode: null, signal: null, stopRequested: false, oomKilled: false, logTail: '', spawnError: problem });
    return { stop() {}, done: options.hooks.onExit({ exitCode: null, signal: null }, outcome) };
  }
  const oomBefore = readOomKillCount();
  const started = options.executor.start(request);
  return supervise(options, request.logPath, oomBefore, started);
}

/** Watches a process started by an earlier server, whose handle was persisted. */
export function adoptAttempt(options: AttemptOptions, handle: ProcessHandle, logPath: string): Attempt {
  const adopted = options.executor.adopt(handle);
  const process: Promise<RunningProcess> = adopted.kind === 'alive'
    ? Promise.resolve(adopted.process)
    : Promise.resolve({ handle, exited: Promise.resolve(adopted.kind === 'exited' ? adopted.status : LOST) });
  return supervise(options, logPath, readOomKillCount(), process, adopted.kind === 'lost');
}

const LOST: ExitStatus = { exitCode: null, signal: null };

function supervise(
  options: AttemptOptions,
  logPath: string,
  oomBefore: number | null,
  started: Promise<RunningProcess>,
  lost = false,
): Attempt {
  const { executor, hooks } = options;
  let handle: ProcessHandle | null = null;
  let stopRequested = false;
  let killTimer: NodeJS.Timeout | null = null;
  const tailer = createLogTailer({ path: logPath, offset: options.logOffset, onLines: hooks.onLogLines, pollMs: options.logPollMs });

  const done = (async () => {
    let running: RunningProcess;
    try {
      running = await started;
    } catch (error) {
      await tailer.close();
      const outcome = classifyExit({ exitCode: null, signal: null, stopRequested, oomKilled: false, logTail: '', spawnError: String(error) });
      return hooks.onExit(LOST, outcome);
    }
    handle = running.handle;
    if (!lost) await hooks.onStarted(handle);
    if (stopRequested) executor.signal(handle, 'SIGTERM');
    const status = await running.exited;
    if (killTimer) clearTimeout(killTimer);
    await tailer.close();
    const oomAfter = readOomKillCount();
    const outcome: RunOutcome = lost
      ? { kind: 'lost', detail: 'the process ended while no server watched it and left no exit status', retryable: true }
      : classifyExit({
          ...status,
          stopRequested,
          oomKilled: oomBefore !== null && oomAfter !== null && oomAfter > oomBefore,
          logTail: readTail(logPath, LOG_TAIL_BYTES),
          spawnError: null,
        });
    await hooks.onExit(status, outcome);
  })();

  return {
    done,
    stop(graceMs: number) {
      if (stopRequested) return;
      stopRequested = true;
      if (handle) executor.signal(handle, 'SIGTERM');
      killTimer = setTimeout(() => {
        if (handle) executor.signal(handle, 'SIGKILL');
      }, graceMs);
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
