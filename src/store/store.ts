/**
 * The Store: everything Trainyard persists, as domain verbs. Implementations live beside this
 * file (`sqlite/`, later `postgres/`) and all pass `contract/store-contract.ts`.
 *
 * Rules every implementation keeps:
 * - Each method is atomic: it fully happens or not at all.
 * - No connection, transaction or SQL leaks out of a method.
 * - Times are epoch milliseconds supplied by the caller (`now`), never read inside, so tests
 *   control the clock.
 */
import type {
  BucketedSeries,
  Checkpoint,
  Job,
  JobSpec,
  JobState,
  Progress,
  Run,
  RunOutcome,
  SeriesInfo,
  SeriesPoints,
  TokenScope,
} from '../core/types.ts';

export interface JobFilter {
  readonly states?: readonly JobState[];
  /** Newest first. Default: 100. */
  readonly limit?: number;
}

export interface JobStore {
  createJob(spec: JobSpec, now: number): Promise<Job>;
  getJob(id: number): Promise<Job | null>;
  listJobs(filter?: JobFilter): Promise<Job[]>;
  /**
   * Atomically moves job `jobId` from `queued` to `running` and creates its next run (attempt
   * = previous attempts + 1). Returns null when the job is no longer queued, so two callers
   * can never start the same job. Sets `startedAt` if still null, and clears `stopRequested`
   * (a stop request belongs to the run it was made for).
   */
  claimJob(jobId: number, run: NewRun, now: number): Promise<{ job: Job; run: Run } | null>;
  /** Records that a stop was asked for; moves queued jobs straight to `stopped`. */
  requestStop(jobId: number, now: number): Promise<Job | null>;
  /** Sets the job's state and optional fields; throws if the job does not exist. */
  updateJob(jobId: number, change: JobChange): Promise<Job>;
  setProgress(jobId: number, progress: Partial<Progress>): Promise<void>;
}

export interface JobChange {
  readonly state?: JobState;
  readonly startedAt?: number | null;
  readonly endedAt?: number | null;
  readonly notBefore?: number | null;
  readonly outcome?: RunOutcome | null;
}

export interface NewRun {
  readonly logPath: string;
  readonly resumedFrom: number | null;
  readonly resumeStep: number | null;
}

export interface RunStore {
  getRun(id: number): Promise<Run | null>;
  listRuns(jobId: number): Promise<Run[]>;
  /** Runs in state `running`, across all jobs (recovery after a restart). */
  listLiveRuns(): Promise<Run[]>;
  /** The process was started: record its pid and /proc start time. */
  markRunStarted(runId: number, pid: number, procStart: number | null): Promise<void>;
  /** The run ended; sets state, exit code, signal, outcome and endedAt. */
  finishRun(runId: number, end: RunEnd): Promise<Run>;
  recordHeartbeat(runId: number, now: number): Promise<void>;
  /** Byte offset of the run's log up to which the line protocol has been applied. Default: 0. */
  getLogOffset(runId: number): Promise<number>;
  setLogOffset(runId: number, offset: number): Promise<void>;
}

export interface RunEnd {
  readonly state: Exclude<Run['state'], 'running'>;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly outcome: RunOutcome;
  readonly endedAt: number;
}

/** A batch of points for several keys of one run. */
export interface MetricBatch {
  readonly runId: number;
  /** Client-chosen id; a batch whose id was already recorded for this run is ignored. */
  readonly batchId: string | null;
  readonly series: ReadonlyMap<string, SeriesPoints>;
  /** When the batch came from the run's log: the log offset after it, saved atomically. */
  readonly logOffset?: number;
}

export interface MetricWriteResult {
  readonly accepted: number;
  /** True when the batch id had been seen before and nothing was written. */
  readonly duplicate: boolean;
}

export interface MetricStore {
  recordMetrics(batch: MetricBatch): Promise<MetricWriteResult>;
  listSeries(jobId: number): Promise<SeriesInfo[]>;
  /** Points of one series with `from <= step <= to`, ordered by step. */
  readSeries(jobId: number, key: string, range?: StepRange): Promise<SeriesPoints>;
  /**
   * min/max/last per bucket over `buckets` equal step ranges of `range` (default: the whole
   * series). Reads chunk summaries for chunks that lie inside one bucket and decodes only the
   * chunks that straddle a bucket edge.
   *
   * With `from`/`to` the range ends (each defaulting to the series' first/last step) and
   * w = (to - from) / buckets, bucket i holds the steps with floor((step - from) / w) = i; the
   * last bucket also holds `to`. min/max ignore NaN (NaN when a bucket has only NaN values).
   * Throws `ValidationError` unless `buckets` is an integer in [1, 100000].
   */
  readBuckets(jobId: number, key: string, buckets: number, range?: StepRange): Promise<BucketedSeries>;
  /**
   * A run resumed from a checkpoint at `step`: points of the job's earlier runs past `step`
   * are superseded and removed, so the step axis stays continuous.
   */
  truncateAfter(jobId: number, step: number): Promise<void>;
  /** Latest value of every key (for `ls` and progress). */
  latestValues(jobId: number): Promise<Record<string, { step: number; value: number }>>;
}

export interface StepRange {
  readonly from?: number;
  readonly to?: number;
}

export interface CheckpointStore {
  /** Idempotent on (jobId, path, step): registering the same file twice returns the first record. */
  registerCheckpoint(cp: Omit<Checkpoint, 'id' | 'deleted'>): Promise<Checkpoint>;
  listCheckpoints(jobId: number): Promise<Checkpoint[]>;
  /** Newest (highest step, then newest) checkpoint whose file was not deleted. */
  latestCheckpoint(jobId: number): Promise<Checkpoint | null>;
  markCheckpointDeleted(id: number): Promise<void>;
}

export interface TokenStore {
  /** Stores a token by id with the sha256 of its secret. */
  createToken(id: string, secretHash: Buffer, scope: TokenScope, now: number): Promise<void>;
  /** The secret's hash and scope of a token id, or null. Callers compare in constant time. */
  findToken(id: string): Promise<{ secretHash: Buffer; scope: TokenScope } | null>;
  revokeRunTokens(runId: number): Promise<void>;
}

export interface Store extends JobStore, RunStore, MetricStore, CheckpointStore, TokenStore {
  close(): Promise<void>;
}
