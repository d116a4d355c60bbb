/**
 * Trainyard's domain types.
 *
 * Terminology
 * - job: what a user submitted (a command, its resources and policies). It lives until it ends.
 * - run: one attempt of a job: one process tree started by an executor. A job that is retried
 *   or resumed has several runs; `attempt` numbers them from 1.
 * - handle: how an executor finds a run's process again (after a server restart too); opaque.
 * - series: the values of one metric key of one job, ordered by step across all its runs.
 * - point: one (step, value, time) of a series.
 * - chunk: consecutive points of one series stored together, with their min/max kept beside them.
 * - checkpoint: a file a run wrote into the job's checkpoint directory and registered with its step.
 * - slot: a unit of resource the scheduler hands out: one GPU, or one CPU slot.
 * - classification: why a run ended (see `RunOutcomeKind`).
 */
import type { ValidationLevel } from './datasets.ts';
import type { RetentionPolicy } from './retention.ts';
import type { FromSpec, InitFrom } from './init-from.ts';
import type { SlurmSpec } from './slurm-options.ts';

/**
 * queued → running → succeeded | failed | stopped; running → stopping → stopped;
 * running → pausing → paused → (resume) queued; a preempted job goes pausing → queued.
 */
export const JOB_STATES = ['queued', 'running', 'stopping', 'pausing', 'paused', 'succeeded', 'failed', 'stopped'] as const;

export type JobState = (typeof JOB_STATES)[number];

/** Why a running job was asked to end before it finished. */
export type StopReason = 'stop' | 'pause' | 'preempt' | 'stuck' | 'diverged' | 'time-limit' | 'target-reached';

export type PriorityClass = 'high' | 'normal' | 'low';

export interface Priority {
  readonly class: PriorityClass;
  /** Finer order within the class, higher first. Default: 0. */
  readonly value: number;
}

/** States a job never leaves. */
export const TERMINAL_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'stopped'];

/** States in which a run of the job is alive (started, or ending after a stop or pause request). */
export const LIVE_JOB_STATES: readonly JobState[] = ['running', 'stopping', 'pausing'];

export type RunState = 'running' | 'succeeded' | 'failed' | 'stopped' | 'lost';

/**
 * Why a run ended.
 * - `success`: exit code 0.
 * - `exit-code`: a non-zero exit code (detail holds it).
 * - `signal`: killed by a signal Trainyard did not send (detail holds its name).
 * - `oom-killed`: killed by the kernel's out-of-memory killer.
 * - `cuda-oom`: the log tail shows a CUDA out-of-memory error.
 * - `stopped`: ended after a stop request (within or past the grace period).
 * - `lost`: the process vanished while no server watched it and left no exit status.
 * - `config-error`: the command could not be started (missing executable, bad cwd); not retried.
 * - `stuck`: alive but no new step for the job's stuck window; retried from its checkpoint.
 * - `diverged`: the watched metric became NaN/inf or grew past its limit.
 * - `paused`, `preempted`: ended on a pause request, or to make room for a higher-priority job.
 * - `time-limit`: ran past the job's time limit; not retried.
 */
export type RunOutcomeKind =
  | 'success'
  | 'exit-code'
  | 'signal'
  | 'oom-killed'
  | 'cuda-oom'
  | 'stopped'
  | 'lost'
  | 'config-error'
  | 'stuck'
  | 'diverged'
  | 'paused'
  | 'preempted'
  | 'time-limit'
  | 'dependency-failed';

export interface RunOutcome {
  readonly kind: RunOutcomeKind;
  /** Human-readable detail: "exit code 3", "SIGSEGV", the matching log line. */
  readonly detail: string;
  /** False when retrying cannot help (config errors, scripts that exit with code 78). */
  readonly retryable: boolean;
  /** The step it happened at, where that matters (divergence). */
  readonly step?: number;
}

export interface Resources {
  /** GPUs this job needs. Default: 0. */
  readonly gpus: number;
  /** CPU slots this job needs. Default: 1 when gpus is 0, else 0. */
  readonly cpus: number;
}

/** A validated job specification, as stored. See `job-spec.ts` for the accepted input. */
export interface JobSpec {
  readonly name: string;
  /** argv. When `shell` is true, `command[0]` is a shell script run with `/bin/sh -c`. */
  readonly command: readonly string[];
  readonly shell: boolean;
  /** Working directory, absolute. Default: the submitter's current directory. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Hyperparameters: recorded and shown, passed to the script as TRAINYARD_PARAMS (JSON). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly resources: Resources;
  /** Retries after a failed run. Default: 3. */
  readonly maxRetries: number;
  /**
   * Registered checkpoints to keep (oldest deleted first); 0 keeps all. Default: 3. With
   * `retention`, its `keepLatest` (0 when absent).
   */
  readonly keepCheckpoints: number;
  /**
   * The job's own retention policy (docs/retention.md): from `retention:`, or from an explicit
   * `keepCheckpoints` as `keepLatest`. Absent: the global policy, else keep the latest 3.
   */
  readonly retention?: RetentionPolicy;
  /** Seconds between SIGTERM and SIGKILL on stop. Default: 30. */
  readonly stopGraceSeconds: number;
  readonly tags: readonly string[];
  /** Initial priority; the job's current one is `Job.priority`. Default: normal, 0. */
  readonly priority: Priority;
  /** May be paused to make room for a higher-priority job. Default: false. */
  readonly preemptible: boolean;
  /** Jobs that must succeed before this one starts; it fails if one of them does not. */
  readonly after: readonly number[];
  /** A run past this many seconds is stopped and the job fails (`time-limit`). Default: none. */
  readonly timeLimitSeconds: number | null;
  /** Fair-share group (a user or project). Default: none. */
  readonly owner: string | null;
  readonly watchdog: WatchdogSpec;
  /**
   * Datasets by role (`train`, `eval`, …) as `name@version`: pinned to a version at submit
   * (`name` alone means the latest then). Absent when the job names none.
   */
  readonly datasets?: Readonly<Record<string, string>>;
  /** Depth each dataset must have passed for the job to be accepted. Default: standard. */
  readonly datasetLevel?: ValidationLevel;
  /**
   * Eval suites run on each checkpoint the job registers, each as its own low-priority job
   * (docs/evaluation.md). Absent when the job asks for none.
   */
  readonly evaluate?: readonly string[];
  /**
   * The checkpoint the job starts from, as declared (core/init-from.ts): resolved at submit to
   * `Job.initFrom`. Absent when the job starts fresh.
   */
  readonly from?: FromSpec;
  /** What to do about failed runs besides a plain retry (core/remedies.ts). Absent: nothing. */
  readonly remedies?: Remedies;
  /**
   * Ends the job `succeeded` once a metric passes a target (core/stop-when.ts): its run is
   * stopped gracefully (SIGTERM, the script checkpoints). Absent: the job runs to its end.
   */
  readonly stopWhen?: StopWhenSpec;
  /** What the job asks Slurm for when the server's executor is Slurm (core/slurm-options.ts). Absent: the server's defaults. */
  readonly slurm?: SlurmSpec;
}

/** Remedies for failed runs, by classification. */
export interface Remedies {
  /** A `cuda-oom` run is retried from its latest checkpoint with patched params. */
  readonly cudaOom?: CudaOomRemedy;
}

export interface CudaOomRemedy {
  /** Param name → how it changes on each `cuda-oom` retry (applied to the params of the run that failed). */
  readonly patch: Readonly<Record<string, ParamPatch>>;
  /** Patched retries at most; one more `cuda-oom` fails the job. */
  readonly maxTimes: number;
}

/**
 * One numeric param's change: `multiply` or `add` (exactly one), then rounded to an integer
 * when `round`; a result outside `[min, max]` (before or after rounding) ends the remedy.
 */
export interface ParamPatch {
  readonly multiply?: number;
  readonly add?: number;
  readonly min?: number;
  readonly max?: number;
  /** Round to the nearest integer. Default: false. */
  readonly round?: boolean;
}

/** A target on one metric: `below` or `above` (exactly one), compared strictly. */
export interface StopWhenSpec {
  readonly metric: string;
  readonly below?: number;
  readonly above?: number;
}

export interface WatchdogSpec {
  /**
   * Seconds without a new step, while the process is alive, after which the run is `stuck`:
   * stopped and retried from its checkpoint. The SDK heartbeat does not count as progress, so
   * a silent process is caught; a slow evaluation needs a window longer than it. null: off.
   * Default: 3600.
   */
  readonly stuckSeconds: number | null;
  /** Divergence check on one metric; null: off. Default: `loss`, factor null (NaN/inf only). */
  readonly divergence: DivergenceSpec | null;
}

export interface DivergenceSpec {
  /** Default: `loss`. */
  readonly metric: string;
  /** Also diverged when the metric exceeds factor × its running minimum. Default: null (off). */
  readonly factor: number | null;
  /** Retry from the last checkpoint before the divergence, with these params merged in. */
  readonly retryWithParams: Readonly<Record<string, unknown>> | null;
}

export interface Progress {
  readonly step: number | null;
  readonly total: number | null;
  /** Steps per second over the recent window, null until two points are known. */
  readonly rate: number | null;
  /** Seconds left at `rate`, null when unknown. */
  readonly etaSeconds: number | null;
  /**
   * The status line the run last reported ("Training epoch 2/3"), through the status route or
   * `#trainyard progress message=…`; kept after the run ends. null until one is reported.
   */
  readonly message: string | null;
}

export interface Job {
  readonly id: number;
  readonly spec: JobSpec;
  readonly state: JobState;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  /** Runs started so far. */
  readonly attempts: number;
  /** Earliest time the next run may start (retry backoff), epoch ms. */
  readonly notBefore: number | null;
  /** The last run's outcome, or a reason the job ended without one. */
  readonly outcome: RunOutcome | null;
  readonly stopRequested: boolean;
  /** Why the current run was asked to end, while it is ending. */
  readonly stopReason: StopReason | null;
  readonly progress: Progress;
  readonly priority: Priority;
  /** FIFO key within a priority (lower first): the submit time, or earlier after `move --front`. */
  readonly queuedAt: number;
  /** Params merged over `spec.params` for the next runs (set by a divergence or `cuda-oom` retry). */
  readonly paramsOverride: Readonly<Record<string, unknown>> | null;
  /** What `spec.from` resolved to at submit (its run gets `TRAINYARD_INIT_FROM`); null without one. */
  readonly initFrom: InitFrom | null;
  /**
   * Who submitted the job over the API: the token's id (`session:<id>` for a dashboard session),
   * as `request.callerId` says. A `submit` caller may stop, pause and resume only its own jobs.
   * Null for jobs the server made (inbox, studies, automations, curricula) and for jobs older
   * than migration 0033.
   */
  readonly createdByToken: string | null;
}

/**
 * Where a run's process lives, as its executor knows it: the executor's name and an id only that
 * executor reads (the local one: pid and /proc start time; Slurm: a job id). Opaque elsewhere.
 */
export interface RunHandle {
  readonly executor: string;
  readonly externalId: string;
}

export interface Run {
  readonly id: number;
  readonly jobId: number;
  readonly attempt: number;
  readonly state: RunState;
  readonly startedAt: number;
  readonly endedAt: number | null;
  /** How its executor finds the run again; null until the process was started. */
  readonly handle: RunHandle | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly outcome: RunOutcome | null;
  /** Checkpoint this run was started from, null on a fresh start. */
  readonly resumedFrom: number | null;
  /** Step of that checkpoint: points of earlier runs past it are superseded. */
  readonly resumeStep: number | null;
  readonly logPath: string;
  readonly lastHeartbeatAt: number | null;
  /** GPU indices and CPU slots the run held. */
  readonly gpus: readonly number[];
  readonly cpus: number;
  /**
   * The params the run was started with (its `TRAINYARD_PARAMS`): `spec.params` with the job's
   * `paramsOverride` over them. null for runs started before migration 0028.
   */
  readonly params: Readonly<Record<string, unknown>> | null;
  /**
   * The most GPU memory (MiB) its process tree held at once, as sampled by its executor (the
   * local one: `nvidia-smi` every few seconds). null when not measured: no GPUs, no nvidia-smi,
   * another executor, or still running.
   */
  readonly peakGpuMemoryMiB: number | null;
}

export interface Checkpoint {
  readonly id: number;
  readonly jobId: number;
  readonly runId: number;
  readonly step: number;
  /** Absolute path inside the job's checkpoint directory. */
  readonly path: string;
  readonly bytes: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly createdAt: number;
  /** True once retention removed the file; the record stays for lineage. */
  readonly deleted: boolean;
}

/** Metric points of one key in columnar form. `times` are epoch ms; same length as `steps`. */
export interface SeriesPoints {
  readonly steps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  readonly times: ArrayLike<number>;
}

/** Summary of one series of a job. */
export interface SeriesInfo {
  readonly key: string;
  readonly count: number;
  readonly firstStep: number;
  readonly lastStep: number;
  readonly lastValue: number;
  readonly min: number;
  readonly max: number;
}

/** A downsampled read: one entry per non-empty bucket, ordered by step. */
export interface BucketedSeries {
  readonly key: string;
  /** Step of the last point in each bucket. */
  readonly steps: number[];
  readonly min: number[];
  readonly max: number[];
  readonly last: number[];
  /** Points in each bucket. */
  readonly count: number[];
}

/**
 * What a token may do (server/auth.ts `authorize`; docs/tokens.md):
 * - `admin`: everything.
 * - `submit`: submit jobs, and stop, pause or resume the jobs it submitted; reads like `read`.
 * - `deploy`: promote model versions (make versions, move aliases) and deploy or roll back; reads like `read`.
 * - `read`: every GET, nothing else.
 * - `run`: the token a run gets: that run's reporting routes, reads of its job (and upstream jobs).
 */
export const TOKEN_ROLES = ['admin', 'submit', 'deploy', 'read', 'run'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];
/** The roles a person's token may have (run tokens are made by the server, one per run). */
export const PERSON_TOKEN_ROLES = ['admin', 'submit', 'deploy', 'read'] as const satisfies readonly TokenRole[];
export type PersonTokenRole = (typeof PERSON_TOKEN_ROLES)[number];

export interface TokenScope {
  readonly role: TokenRole;
  /** For `run` tokens: the only run (and its job) this token may touch. */
  readonly runId: number | null;
  readonly jobId: number | null;
  /**
   * For `run` tokens: the job's upstream jobs (its `spec.after`), which the token may also read
   * (the job, its checkpoints, metrics and logs). Absent: none.
   */
  readonly upstreamJobIds?: readonly number[];
}
