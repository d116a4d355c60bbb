/**
 * An in-memory Executor for fast tests of what drives executors (the supervisor, the control
 * layer): no processes, no files. A test ends runs and sets their exit reports by hand, sees the
 * signals each run received, and simulates a server restart with `restarted()`, a new instance
 * over the same runs.
 *
 * Defaults, like a well-behaved training script: SIGTERM and SIGKILL end a run with that signal
 * (`ignoreSigterm` makes it outlive SIGTERM). Nothing here runs `argv`.
 */
import type { AdoptResult, Capacity, Executor, ExitReport, RunHandle, RunRef, StartRequest } from '../executor.ts';

export interface FakeRun {
  readonly handle: RunHandle;
  readonly ref: RunRef;
  /** The request it was started with; null for a run `seed` put there. */
  readonly request: StartRequest | null;
  /** Signals received, in order. */
  readonly signals: Array<'SIGTERM' | 'SIGKILL'>;
  /** When true, SIGTERM is recorded but does not end the run. Default: false. */
  ignoreSigterm: boolean;
  /** The report once it ended; null while alive. */
  readonly report: ExitReport | null;
  /** Whether a later executor can still read how it ended (a recorded exit status). Default: true. */
  statusRecorded: boolean;
  /** Ends the run now. Defaults: exit code 0, no signal, not OOM-killed. A second call is ignored. */
  exit(report?: Partial<ExitReport>): void;
}

export interface FakeExecutorOptions {
  readonly name?: string;
  /** Default: 2 GPUs (0, 1), 4 CPU slots. */
  readonly capacity?: Capacity;
}

export interface FakeExecutor extends Executor {
  /** Every run, started or seeded, by any instance over the same runs, oldest first. */
  readonly runs: readonly FakeRun[];
  /** Calls on the interface, in order: `start NAME`, `signal ID SIGTERM`, `adopt ID|null NAME`. */
  readonly calls: readonly string[];
  /** What the next preflight answers. Default: null (runnable). */
  preflightProblem: string | null;
  /** When set, the next start rejects with it. */
  startError: Error | null;
  /** When set, the next adopt rejects with it (the outside system could not be asked). */
  adoptError: Error | null;
  /** A run an earlier server started, found by its ref (and its handle), alive. */
  seed(ref: RunRef): FakeRun;
  /** A new instance over the same runs, as after a server restart. */
  restarted(): FakeExecutor;
}

interface World {
  readonly runs: InternalRun[];
  next: number;
}

interface InternalRun extends FakeRun {
  readonly exited: Promise<ExitReport>;
}

export function createFakeExecutor(options: FakeExecutorOptions = {}): FakeExecutor {
  return instance({ runs: [], next: 1 }, options);
}

function instance(world: World, options: FakeExecutorOptions): FakeExecutor {
  const name = options.name ?? 'fake';
  const calls: string[] = [];

  const newRun = (ref: RunRef, request: StartRequest | null): InternalRun => {
    let settle: (report: ExitReport) => void = () => {};
    const exited = new Promise<ExitReport>((resolve) => (settle = resolve));
    const run: InternalRun = {
      handle: { executor: name, externalId: `fake-${world.next++}` },
      ref, request, exited,
      signals: [],
      ignoreSigterm: false,
      statusRecorded: true,
      report: null,
      exit(report = {}) {
        if (run.report) return;
        const full: ExitReport = { exitCode: report.signal ? null : 0, signal: null, oomKilled: false, ...report };
        (run as { report: ExitReport | null }).report = full;
        settle(full);
      },
    };
    world.runs.push(run);
    return run;
  };
  const find = (handle: RunHandle | null, ref: RunRef) => handle
    ? handle.executor === name ? world.runs.find((r) => r.handle.externalId === handle.externalId) : undefined
    : world.runs.find((r) => r.ref.runDir === ref.runDir && r.ref.name === ref.name);

  const executor: FakeExecutor = {
    name,
    get runs() {
      return world.runs;
    },
    calls,
    preflightProblem: null,
    startError: null,
    adoptError: null,

    async capacity() {
      const capacity = options.capacity ?? { gpus: [0, 1], cpuSlots: 4 };
      return { gpus: [...capacity.gpus], cpuSlots: capacity.cpuSlots };
    },

    async preflight() {
      return executor.preflightProblem;
    },

    async start(request) {
      calls.push(`start ${request.name}`);
      if (executor.startError) {
        const error = executor.startError;
        executor.startError = null;
        throw error;
      }
      const run = newRun({ runDir: request.runDir, name: request.name }, request);
      return { handle: run.handle, exited: run.exited };
    },

    async signal(handle, signal) {
      calls.push(`signal ${handle.externalId} ${signal}`);
      const run = find(handle, { runDir: '', name: '' });
      if (!run || run.report) return;
      run.signals.push(signal);
      if (signal === 'SIGKILL' || !run.ignoreSigterm) run.exit({ exitCode: null, signal });
    },

    async adopt(handle, ref): Promise<AdoptResult> {
      calls.push(`adopt ${handle?.externalId ?? 'null'} ${ref.name}`);
      if (executor.adoptError) {
        const error = executor.adoptError;
        executor.adoptError = null;
        throw error;
      }
      const run = find(handle, ref);
      if (!run) return { kind: 'lost' };
      if (!run.report) return { kind: 'alive', process: { handle: run.handle, exited: run.exited } };
      return run.statusRecorded ? { kind: 'exited', status: run.report } : { kind: 'lost' };
    },

    seed(ref) {
      return newRun(ref, null);
    },

    restarted() {
      return instance(world, options);
    },
  };
  return executor;
}
