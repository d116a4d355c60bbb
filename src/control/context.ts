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
  readonly startedAt: number;
  attempt: Attempt | null;
  divergence: DivergenceState;
  diverged: { step: number; detail: string } | null;
  /** The point that reached the job's `stopWhen` target, once one did. */
  targetReached: { step: number; detail: string } | null;
}

export function newLiveRun(run: { readonly id: number; readonly jobId: number; readonly gpus: readonly number[]; readonly cpus: number; readonly startedAt: number }): LiveRun {
  return { runId: run.id, jobId: run.jobId, gpus: run.gpus, cpus: run.cpus, startedAt: run.startedAt, attempt: null, divergence: { min: null }, diverged: null, targetReached: null };
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
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Asks for a scheduling pass soon. */
  readonly poke: () => void;
  /** Sends the job's fresh view to live followers. */
  readonly publishJob: (job: Job) => void;
  /** `TRAINYARD_DATASETS` for a run, recording that the run read them (see ControlDeps). */
  readonly datasetsForRun: (job: { id: number; spec: JobSpec }, runId: number) => Promise<string>;
}
