/**
 * What the control layer's services share: the store, the executor, the live runs of this
 * server, and the small in-memory helpers. Built once by `createControl` (control.ts).
 */
import type { DivergenceState } from '../core/watchdog.ts';
import type { Job, JobSpec } from '../core/types.ts';
import type { Executor } from '../executors/executor.ts';
import type { SlotInventory } from '../scheduler/scheduler.ts';
import type { DataDirLayout } from './data-dir.ts';
import type { Store } from '../store/store.ts';
import type { Attempt } from '../supervisor/attempt.ts';
import type { LiveBus } from './live-bus.ts';
import type { ProgressBook } from './progress-book.ts';
import type { RunIntake } from './run-intake.ts';

/** A run this server supervises, from its start (or adoption) until it ended. */
export interface LiveRun {
  readonly runId: number;
  readonly jobId: number;
  readonly gpus: readonly number[];
  readonly cpus: number;
  /** Epoch ms, as stored. */
  readonly startedAt: number;
  /** The start on the monotonic clock (`ControlContext.monotonic`): what durations are measured from. */
  readonly startedMono: number;
  attempt: Attempt | null;
  divergence: DivergenceState;
  diverged: { step: number; detail: string } | null;
  /** The point that reached the job's `stopWhen` target, once one did. */
  targetReached: { step: number; detail: string } | null;
}

/**
 * A live run from its stored record. Its monotonic start is now, less the time it has run so far
 * by the wall clock (a run adopted after a restart; never negative): the monotonic clock does not
 * outlive the process, so that is the one reading of the wall clock a duration takes.
 */
export function newLiveRun(
  run: { readonly id: number; readonly jobId: number; readonly gpus: readonly number[]; readonly cpus: number; readonly startedAt: number },
  clocks: Pick<ControlContext, 'now' | 'monotonic'>,
): LiveRun {
  const startedMono = clocks.monotonic() - Math.max(0, clocks.now() - run.startedAt);
  return { runId: run.id, jobId: run.jobId, gpus: run.gpus, cpus: run.cpus, startedAt: run.startedAt, startedMono, attempt: null, divergence: { min: null }, diverged: null, targetReached: null };
}

export interface ControlContext {
  readonly store: Store;
  readonly executor: Executor;
  readonly bus: LiveBus;
  readonly layout: DataDirLayout;
  readonly progress: ProgressBook;
  readonly intake: RunIntake;
  /** Runs this server supervises, by run id. */
  readonly live: Map<number, LiveRun>;
  readonly slots: SlotInventory;
  readonly serverUrl: () => string;
  /** Environment every run inherits before its own. */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** Wall clock, epoch ms: what is stored and shown. */
  readonly now: () => number;
  /** Monotonic clock, ms: what durations are measured on (see ControlDeps.monotonic). */
  readonly monotonic: () => number;
  readonly log: (line: string) => void;
  /** Wait before a run's end that could not be written is tried again (end-run.ts). Default: 5,000 ms. */
  readonly endRunRetryMs?: number;
  /** Asks for a scheduling pass soon. */
  readonly poke: () => void;
  /** Sends the job's fresh view to live followers. */
  readonly publishJob: (job: Job) => void;
  /** `TRAINYARD_DATASETS` for a run, recording that the run read them (see ControlDeps). */
  readonly datasetsForRun: (job: { id: number; spec: JobSpec }, runId: number) => Promise<string>;
}
