/**
 * An Executor starts, signals and observes the process tree of one run. It knows nothing of
 * jobs, stores or HTTP: the supervisor drives it. `local` runs child processes on this machine,
 * `slurm` one Slurm batch job per run; both pass the same contract suite (executor-contract.ts),
 * and an `agent` would too.
 *
 * Everything that may be a slow call to an outside system (sbatch, squeue, an agent over HTTP)
 * is async. A run is named by a `RunHandle` that only its executor reads; the server stores it
 * and hands it back after a restart.
 */
import type { SlurmSpec } from '../core/slurm-options.ts';
import type { Priority, RunHandle, RunOutcome } from '../core/types.ts';

export type { RunHandle } from '../core/types.ts';

/** What an executor needs to find a run again when its handle was never recorded. */
export interface RunRef {
  /**
   * A folder of this run's own, created by the caller before `start`, on storage both the server
   * and the run can reach (a shared filesystem for a cluster). The executor keeps its own files
   * here (the local one: the wrapper's pid and the exit status).
   */
  readonly runDir: string;
  /** A name for the run, unique within the server's data (e.g. `trainyard-12-3`). */
  readonly name: string;
}

export interface StartRequest extends RunRef {
  /** argv to run; a shell is not involved unless argv itself names one. */
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /**
   * stdout and stderr are appended here, interleaved as written. The server reads this file
   * while the run goes (the line protocol, the log tail that classifies the exit).
   */
  readonly logPath: string;
  /**
   * What the job asks of the machine its run goes on, for an executor that asks a batch system
   * for it (Slurm: `--gres`, `--cpus-per-task`, `--time`, `--nice`, the `slurm:` block). The local
   * executor runs on the slots the scheduler picked (`CUDA_VISIBLE_DEVICES` in `env`) and does
   * not read it. Absent: nothing beyond `env`.
   */
  readonly resources?: RunResources;
}

export interface RunResources {
  readonly gpus: number;
  readonly cpus: number;
  /** The job's own time limit (Trainyard stops the run past it); null: none. */
  readonly timeLimitSeconds: number | null;
  /** Seconds between SIGTERM and SIGKILL on stop. */
  readonly stopGraceSeconds: number;
  /** The job's current priority. */
  readonly priority: Priority;
  /** The job spec's `slurm:` block, when it has one. */
  readonly slurm?: SlurmSpec;
}

export interface ExitStatus {
  readonly exitCode: number | null;
  readonly signal: string | null;
}

/** How a run ended, with the facts only its executor can know. */
export interface ExitReport extends ExitStatus {
  /** The run was killed for memory (local: the cgroup's `oom_kill` counter rose while it ran). */
  readonly oomKilled: boolean;
  /**
   * The most GPU memory (MiB) the run's processes held at once, where the executor measures it
   * (local: sampled with nvidia-smi while it watched the run). Absent or null: not measured.
   */
  readonly peakGpuMemoryMiB?: number | null;
  /**
   * How the executor's own system says the run ended, where that says more than the exit status
   * (Slurm: TIMEOUT, NODE_FAIL, PREEMPTED, OUT_OF_MEMORY, CANCELLED from outside Trainyard). The
   * supervisor takes it over its own classification unless a stop was requested. Absent: none.
   */
  readonly outcome?: RunOutcome;
}

export interface RunningProcess {
  readonly handle: RunHandle;
  /** Settles once when the run's process tree ends. Never rejects. */
  readonly exited: Promise<ExitReport>;
}

export type AdoptResult =
  | { readonly kind: 'alive'; readonly process: RunningProcess }
  | { readonly kind: 'exited'; readonly status: ExitReport }
  | { readonly kind: 'lost' };

/** The slots an executor can hand out, for the scheduler. */
export interface Capacity {
  /** GPU indices (distinct); a run gets some of them as `CUDA_VISIBLE_DEVICES`. */
  readonly gpus: number[];
  /** CPU-only runs that may go at once. */
  readonly cpuSlots: number;
}

export interface Executor {
  /** The name in every handle this executor makes (`local`, `slurm`, …). */
  readonly name: string;
  /** What it can run at once. Asked once at server start. */
  capacity(): Promise<Capacity>;
  /**
   * Checks made before `start` where the executor can make them (the local one: the working
   * directory and the command on PATH), so that a wrong path is a clear configuration error
   * rather than exit code 127. Returns a message naming the problem, or null. An executor that
   * runs elsewhere (a compute node) may return null and let the run fail there.
   */
  preflight(request: StartRequest): Promise<string | null>;
  /** Starts the run in its own process group. Rejects only if it could not be started. */
  start(request: StartRequest): Promise<RunningProcess>;
  /** Sends `signal` to the run's whole process tree; a no-op if it is gone. Never rejects. */
  signal(handle: RunHandle, signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /**
   * Re-attaches to a run started by an earlier server (or another instance of this executor):
   * alive (watch it again; its handle, which is new when `handle` was null), exited while
   * nobody watched (its recorded status), or lost (gone without a status, never started, or a
   * handle this executor cannot read or did not make). `handle` is null when the server died
   * between `start` and recording the handle: the executor then looks for the run by `ref`.
   * Never rejects for a run it cannot find; rejects only when it cannot tell (its system down).
   */
  adopt(handle: RunHandle | null, ref: RunRef): Promise<AdoptResult>;
  /**
   * What the executor's system says about a live run, from its last look (Slurm: the job's state
   * and why it waits, `Resources`, `Priority`), for `show`. Null when it knows nothing; absent
   * for executors with nothing to say (local).
   */
  describe?(handle: RunHandle): ExecutorRunState | null;
}

/** A live run as its executor's system sees it. */
export interface ExecutorRunState {
  /** The system's own state name (Slurm: `PENDING`, `RUNNING`). */
  readonly state: string;
  /** Why it waits (Slurm's reason: `Resources`, `Priority`); null for none. */
  readonly reason: string | null;
}
