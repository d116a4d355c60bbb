/**
 * The control layer's door: everything that changes state goes through here, whether it comes
 * from HTTP (server/), the inbox, or later automations. It never imports server/.
 *
 * Pipeline (one file each):
 *
 * | file            | role                                                                      |
 * |-----------------|---------------------------------------------------------------------------|
 * | job-control.ts  | submit, stop, pause, resume, priority, queue order: one transition each    |
 * | dispatcher.ts   | the scheduling loop: watchdog limits, dependencies, pure plan, carry it out |
 * | launch.ts       | start a run: claim (one transition), supersede, prepare, start             |
 * | end-run.ts      | follow a run's log; end it: spool, decide (core/run-end.ts), one transition |
 * | recovery.ts     | at start: adopt, read or lose the runs a previous server left running      |
 * | run-intake.ts   | the one intake of what runs report (HTTP, line protocol, spool)            |
 * | watchdogs.ts    | time limit, stuck, divergence                                              |
 * | event-log.ts    | durable subscribers and SSE tails of the event log                         |
 * | live-bus.ts     | live, non-durable events: job views, log lines, latest metrics             |
 */
import type { Job, JobSpec, RunHandle } from '../core/types.ts';
import type { Executor, ExecutorRunState } from '../executors/executor.ts';
import type { SlotInventory } from '../scheduler/scheduler.ts';
import type { DataDirLayout } from './data-dir.ts';
import type { Store } from '../store/store.ts';
import type { ControlContext, LiveRun } from './context.ts';
import { createDispatcher } from './dispatcher.ts';
import { createEventLog, type EventLog } from './event-log.ts';
import { createCollector, type Collector } from './gc.ts';
import { statfsFreeSpace } from './gc-pressure.ts';
import type { FreeSpace, FreeSpaceFloor } from '../core/disk-pressure.ts';
import { createJobControl, type JobControl } from './job-control.ts';
import { createLiveBus, type LiveBus } from './live-bus.ts';
import { createProgressBook } from './progress-book.ts';
import { recover } from './recovery.ts';
import { createRunIntake, type RunIntake } from './run-intake.ts';
import { jobView } from './views.ts';
import { createWatchdogs, type Watchdogs } from './watchdogs.ts';

export interface ControlDeps {
  readonly store: Store;
  readonly executor: Executor;
  readonly layout: DataDirLayout;
  readonly slots: SlotInventory;
  readonly serverUrl: () => string;
  /** Environment every run inherits before its own. */
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly now: () => number;
  /**
   * A monotonic clock, ms (any origin): durations (time limits, the stuck window, retry waits,
   * step rates) are measured on it, so that a jump of the wall clock (`now`) neither fires them
   * all at once nor holds them off. Default: `performance.now()`.
   */
  readonly monotonic?: () => number;
  readonly log: (line: string) => void;
  /** Scheduling passes at least this often. Default: 500 ms. */
  readonly tickMs?: number;
  /** A run's end that could not be written (a full disk) is tried again this often. Default: 5,000 ms. */
  readonly endRunRetryMs?: number;
  /** Event readers look for events of other processes this often. Default: 1,000 ms. */
  readonly eventPollMs?: number;
  /**
   * `TRAINYARD_DATASETS` for a run, recording the run's use of each version (datasets/ provides
   * it: that layer sits above this one). Default: `{}`, nothing recorded.
   */
  readonly datasetsForRun?: (job: { id: number; spec: JobSpec }, runId: number) => Promise<string>;
  /** Disk-pressure collection (docs/retention.md). Default: off. */
  readonly gc?: { readonly minFree: FreeSpaceFloor | null; readonly intervalMs?: number; readonly freeSpace?: () => Promise<FreeSpace> };
}

export interface Control {
  readonly jobs: JobControl;
  readonly intake: RunIntake;
  readonly events: EventLog;
  readonly bus: LiveBus;
  /** Retention: `gc`, after each checkpoint, disk pressure (gc.ts). */
  readonly gc: Collector;
  /** Re-attaches to the runs a previous server left running; call once before `start`. */
  recover(): Promise<void>;
  /** Starts the scheduling loop and the event subscribers. */
  start(): void;
  /** Runs a scheduling pass soon. */
  poke(): void;
  /** What the executor's system says about a live run (Slurm: state, queue reason); null when nothing. */
  executorState(handle: RunHandle): ExecutorRunState | null;
  /** Stops the loops. Runs keep going, to be adopted by the next server. */
  close(): Promise<void>;
}

export function createControl(deps: ControlDeps): Control {
  const bus = createLiveBus();
  const monotonic = deps.monotonic ?? (() => performance.now());
  const progress = createProgressBook(deps.store, bus, monotonic);
  const live = new Map<number, LiveRun>();
  let watchdogs: Watchdogs | null = null;
  const gc = createCollector({
    store: deps.store, now: deps.now, log: deps.log,
    checkpointDir: deps.layout.checkpointDir,
    minFree: deps.gc?.minFree ?? null,
    intervalMs: deps.gc?.intervalMs,
    freeSpace: deps.gc?.freeSpace ?? statfsFreeSpace(deps.layout.root),
  });
  const intake = createRunIntake({
    store: deps.store, bus, progress, now: deps.now,
    checkpointDir: deps.layout.checkpointDir,
    artifactFolders: deps.layout,
    watch: (run, series) => watchdogs?.checkPoints(run, series),
    afterCheckpoint: (jobId) => gc.afterCheckpoint(jobId),
  });
  const ctx: ControlContext = {
    ...deps, monotonic, bus, progress, intake, live,
    datasetsForRun: deps.datasetsForRun ?? (async () => '{}'),
    poke: () => dispatcher.poke(),
    publishJob: (job: Job) => bus.publish({ type: 'job', jobId: job.id, data: jobView(job) }),
  };
  const jobs = createJobControl(ctx);
  watchdogs = createWatchdogs(ctx, jobs);
  const dispatcher = createDispatcher(ctx, jobs, watchdogs);
  const events = createEventLog({ store: deps.store, now: deps.now, log: deps.log, pollMs: deps.eventPollMs });

  return {
    jobs,
    intake,
    events,
    bus,
    gc,
    recover: () => recover(ctx),
    start() {
      dispatcher.start(deps.tickMs ?? 500);
      events.start();
      gc.start();
    },
    poke: () => dispatcher.poke(),
    executorState: (handle) => deps.executor.describe?.(handle) ?? null,
    async close() {
      await dispatcher.close();
      await events.close();
      await gc.close();
      // The runs go on; the next server adopts them from what the store holds.
      await Promise.all([...live.values()].map((entry) => entry.attempt?.detach()));
      live.clear();
    },
  };
}
