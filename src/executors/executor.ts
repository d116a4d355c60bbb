/**
 * An Executor starts, signals and observes the process tree of one run. It knows nothing of
 * jobs, stores or HTTP: the supervisor drives it. `local` runs child processes on this machine;
 * `slurm` and `agent` come later behind the same interface.
 */

export interface StartRequest {
  /** argv to run; a shell is not involved unless argv itself names one. */
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** stdout and stderr are appended here, interleaved as written. */
  readonly logPath: string;
  /** Where the exit status is recorded when the process ends, for a later server to read. */
  readonly exitPath: string;
}

export interface ExitStatus {
  readonly exitCode: number | null;
  readonly signal: string | null;
}

/** Identifies a process across server restarts. */
export interface ProcessHandle {
  readonly pid: number;
  /** Start time from /proc, so a recycled pid is not mistaken for ours; null if unknown. */
  readonly procStart: number | null;
  readonly exitPath: string;
}

export interface RunningProcess {
  readonly handle: ProcessHandle;
  /** Settles once when the process tree's leader ends. Never rejects. */
  readonly exited: Promise<ExitStatus>;
}

export type AdoptResult =
  | { readonly kind: 'alive'; readonly process: RunningProcess }
  | { readonly kind: 'exited'; readonly status: ExitStatus }
  | { readonly kind: 'lost' };

export interface Executor {
  readonly name: string;
  /** Starts the process in its own process group. Rejects only if it could not be started. */
  start(request: StartRequest): Promise<RunningProcess>;
  /** Sends `signal` to the whole process group; a no-op if it is gone. */
  signal(handle: ProcessHandle, signal: 'SIGTERM' | 'SIGKILL'): void;
  /**
   * Re-attaches to a process started by an earlier server: alive (watch it again), exited
   * while nobody watched (its recorded status), or lost (gone without a status).
   */
  adopt(handle: ProcessHandle): AdoptResult;
}
