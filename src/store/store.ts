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
import type { InboxRecordState } from '../core/inbox-listing.ts';
import type { SeriesExtremes } from '../core/metrics/series-extremes.ts';
import type {
  BucketedSeries,
  Checkpoint,
  Job,
  JobSpec,
  JobState,
  Priority,
  PriorityClass,
  Progress,
  Run,
  RunHandle,
  RunOutcome,
  SeriesInfo,
  SeriesPoints,
  StopReason,
} from '../core/types.ts';
import type { DomainEvent, DomainEventType } from '../core/events.ts';
import type { JobChange } from '../core/run-end.ts';
import type { EvaluationStore } from './evaluation-store.ts';
import type { RegistryStore } from './registry-store.ts';
import type { RetentionPolicyStore } from './retention-store.ts';
import type { DeploymentStore } from './deployment-store.ts';
import type { ApiKeyStore } from './api-key-store.ts';
import type { AutomationStore } from './automation-store.ts';
import type { StudyStore } from './study-store.ts';
import type { CurriculumStore } from './curriculum-store.ts';
import type { ArtifactStore } from './artifact-store.ts';
import type { OperationsStore } from './operations-store.ts';
import type { EventRetentionStore } from './event-retention-store.ts';
import type { SignInStore } from './sign-in-store.ts';
import type { AuditStore } from './audit-store.ts';
import type { TokenStore } from './token-store.ts';

export type { JobChange } from '../core/run-end.ts';
export type * from './evaluation-store.ts';
export type * from './registry-store.ts';
export type * from './retention-store.ts';
export type * from './deployment-store.ts';
export type * from './api-key-store.ts';
export type * from './study-store.ts';
export type * from './curriculum-store.ts';
export type * from './artifact-store.ts';
export type * from './operations-store.ts';
export type * from './event-retention-store.ts';
export type * from './audit-store.ts';
export type * from './token-store.ts';
import type {
  DatasetSummary,
  DatasetUse,
  DatasetVersion,
  FormatDefinition,
  StoredFormat,
  ValidationRecord,
  ValidationReport,
} from '../core/datasets.ts';

export interface JobFilter {
  readonly states?: readonly JobState[];
  /** Only jobs whose spec carries every one of these tags. Default: no tag filter. */
  readonly tags?: readonly string[];
  /** Only jobs whose name starts with this text (case-sensitive). Default: any name. */
  readonly namePrefix?: string;
  /** Newest first. Default: 100. */
  readonly limit?: number;
}

export interface JobStore {
  /**
   * Stores a queued job and appends `job.submitted`. A spec with `from:` has it resolved in the
   * same transaction to one checkpoint (`Job.initFrom`); ValidationError (field `from`, code
   * `invalid_from`) and nothing written when it names no live checkpoint (core/init-from.ts).
   * `createdByToken` (default: null) is the id of the token that submitted it (`Job.createdByToken`).
   */
  createJob(spec: JobSpec, now: number, createdByToken?: string | null): Promise<Job>;
  getJob(id: number): Promise<Job | null>;
  /** Jobs matching every part of `filter`, newest (highest id) first. */
  listJobs(filter?: JobFilter): Promise<Job[]>;
  /**
   * Every queued job, in the order the scheduler serves priorities: class (high, normal, low),
   * then priority value (higher first), then `queuedAt` (lower first), then id. No limit.
   */
  listQueuedJobs(): Promise<Job[]>;
  /**
   * Atomically moves job `jobId` from `queued` to `running` and creates its next run (attempt
   * = previous attempts + 1). Returns null when the job is no longer queued, so two callers
   * can never start the same job. Sets `startedAt` if still null, and clears `stopRequested`
   * (a stop request belongs to the run it was made for). The run records the params it starts
   * with (`Run.params`: `spec.params` with the job's `paramsOverride` over them).
   */
  claimJob(jobId: number, run: NewRun, now: number): Promise<{ job: Job; run: Run } | null>;
  /**
   * Asks a job to end for `reason` (default `stop`). A running job moves to `stopping`
   * (`pausing` for pause and preempt) with `stopReason` set; a queued job moves straight to
   * `stopped` (stop) or `paused` (pause); a job in any other state is returned unchanged.
   */
  requestStop(jobId: number, now: number, reason?: StopReason): Promise<Job | null>;
  /** A paused job goes back to the queue (it resumes from its latest checkpoint). Else unchanged. */
  resumeJob(jobId: number, now: number): Promise<Job | null>;
  setPriority(jobId: number, priority: Priority, now: number): Promise<Job | null>;
  /** Puts a queued job ahead of every other job of its priority. */
  moveToFront(jobId: number, now: number): Promise<Job | null>;
  /**
   * A queued job that can never start (a dependency failed, no slot fits it) fails with
   * `outcome`. Null, and nothing written, when the job is not queued.
   */
  failUnstartedJob(jobId: number, outcome: RunOutcome, now: number): Promise<Job | null>;
  /**
   * Ends a running run and moves its job on, in one transaction: the run's final state, its
   * tokens revoked, the job's last progress, the job's next state (`run-ended` of the state
   * machine), and the events `run.ended` and `job.state_changed`. Null, and nothing written,
   * when the run is not running (it ended already). Throws ConflictError when the job is not in
   * a live state or the machine does not allow `change.job.state`.
   */
  endRun(runId: number, change: RunEndChange): Promise<{ job: Job; run: Run } | null>;
  setProgress(jobId: number, progress: Partial<Progress>): Promise<void>;
  /**
   * The checkpoints of job `jobId` that a job not yet ended (queued, running, paused, …) starts
   * from (`Job.initFrom`), each with why ("job 14 starts from it"): retention keeps their files.
   */
  initFromProtections(jobId: number): Promise<Map<number, string[]>>;
}

/** What ending a run changes: the run, its job (the next state is required) and its progress. */
export interface RunEndChange {
  readonly run: RunEnd;
  readonly job: JobChange & { readonly state: JobState };
  readonly progress?: Partial<Progress>;
}


export interface NewRun {
  readonly logPath: string;
  readonly resumedFrom: number | null;
  readonly resumeStep: number | null;
  /** Slots the run holds. Default: none. */
  readonly gpus?: readonly number[];
  readonly cpus?: number;
  /** The run's token, created with the run (see control/tokens.ts); its secret is never stored. */
  readonly token?: { readonly id: string; readonly secretHash: Buffer; readonly upstreamJobIds?: readonly number[] };
}

export interface RunStore {
  getRun(id: number): Promise<Run | null>;
  listRuns(jobId: number): Promise<Run[]>;
  /**
   * `listRuns` of several jobs in one read (a study report): every id of `jobIds` maps to its
   * runs by attempt, empty when it has none or does not exist.
   */
  listRunsOfJobs(jobIds: readonly number[]): Promise<Map<number, Run[]>>;
  /** Runs in state `running`, across all jobs (recovery after a restart). */
  listLiveRuns(): Promise<Run[]>;
  /** Runs that were alive at some time in [from, to), oldest first (the timeline). */
  listRunsBetween(from: number, to: number): Promise<Run[]>;
  /**
   * The run's process was started (or found again after a restart): record the handle its
   * executor gave, replacing any earlier one, so a later server can adopt it.
   */
  markRunStarted(runId: number, handle: RunHandle): Promise<void>;
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
  /** The most GPU memory (MiB) the run held at once, when its executor measured it. Default: null. */
  readonly peakGpuMemoryMiB?: number | null;
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
  /**
   * `latestValues` of several jobs in one read (a page of the job list). Jobs with no metric
   * (or that do not exist) have no entry.
   */
  latestValuesOfJobs(jobIds: readonly number[]): Promise<Map<number, Record<string, { step: number; value: number }>>>;
  /**
   * For series `key` of each job in `jobIds`, in one read: its last non-NaN point and the first
   * points of its lowest and highest values (core/metrics/series-extremes.ts), exactly as
   * `seriesExtremes` over `readSeries(jobId, key)` gives them (a study report of many trials).
   * Jobs without the series (or that do not exist) have no entry.
   */
  seriesExtremesOfJobs(jobIds: readonly number[], key: string): Promise<Map<number, SeriesExtremes>>;
}

export interface StepRange {
  readonly from?: number;
  readonly to?: number;
}

export interface CheckpointStore {
  /** Idempotent on (jobId, path, step): registering the same file twice returns the first record. */
  registerCheckpoint(cp: Omit<Checkpoint, 'id' | 'deleted'>): Promise<Checkpoint>;
  /** A checkpoint by id (deleted ones too), or null. */
  getCheckpoint(id: number): Promise<Checkpoint | null>;
  listCheckpoints(jobId: number): Promise<Checkpoint[]>;
  /**
   * `listCheckpoints` of several jobs in one read (a study report): every id of `jobIds` maps to
   * its checkpoints (deleted ones too) by step, empty when it has none or does not exist.
   */
  listCheckpointsOfJobs(jobIds: readonly number[]): Promise<Map<number, Checkpoint[]>>;
  /** Newest (highest step, then newest) checkpoint whose file was not deleted. */
  latestCheckpoint(jobId: number): Promise<Checkpoint | null>;
  /**
   * The file was deleted (retention); appends `checkpoint.deleted` with `reason` when given.
   * Marking a checkpoint deleted again writes nothing. Throws NotFoundError.
   */
  markCheckpointDeleted(id: number, now: number, reason?: string): Promise<void>;
  /**
   * Checkpoints whose file was not deleted, oldest (registered first, then lowest id) first;
   * of one job when `jobId` is given, else of every job (disk pressure, `gc`).
   */
  listLiveCheckpoints(jobId?: number): Promise<Checkpoint[]>;
}

/** Where a file dropped into the inbox is in its life (docs/inbox.md draws the machine). */
export type InboxFileState = InboxRecordState;

/** A file dropped into the inbox, as the inbox records it. Paths are relative to the inbox folder. */
export interface InboxFile {
  readonly id: number;
  /** The name it was dropped with. */
  readonly name: string;
  /** sha256 of its content, hex. */
  readonly sha256: string;
  readonly priority: PriorityClass;
  readonly state: InboxFileState;
  /** Where the file is ("high/a.jsonl", "processing/a.jsonl"); null once it vanished. */
  readonly path: string | null;
  /** Where it is being moved while `arriving` or `leaving`; null otherwise (and for a vanished file). */
  readonly nextPath: string | null;
  readonly jobId: number | null;
  /** The earlier file with the same content, which makes this one a duplicate. */
  readonly duplicateOf: number | null;
  /** The folder it ends in, decided when it starts `leaving`. */
  readonly outcome: 'done' | 'failed' | null;
  /** Why it failed, one readable line. */
  readonly reason: string | null;
  /** The validation report (JSON) written beside a failed file, when there was one. */
  readonly report: string | null;
  /** The dataset version the file became (a template with `dataset:`), passed or failed; else null. */
  readonly dataset: InboxDataset | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A dataset version as an inbox file names it. */
export interface InboxDataset {
  readonly id: number;
  readonly name: string;
  readonly version: number;
}

/** Which inbox records to list, newest first. */
export interface InboxFileQuery {
  /** Only files in these states. Default: all. */
  readonly states?: readonly InboxFileState[];
  readonly limit: number;
  /** Records to skip. Default: 0. */
  readonly offset?: number;
}

export interface NewInboxFile {
  readonly name: string;
  readonly sha256: string;
  readonly priority: PriorityClass;
  readonly path: string;
  readonly nextPath: string;
}

/** The way out of `processing/`. */
export interface InboxExit {
  readonly outcome: 'done' | 'failed';
  /** Target path; null when the file vanished and there is nothing to move. */
  readonly nextPath: string | null;
  readonly reason: string | null;
  readonly report: string | null;
}

/**
 * The inbox's record of each dropped file. The inbox records where a file is going before it
 * renames it, so after a crash every file is at `path` or at `nextPath` of its record.
 */
export interface InboxStore {
  /**
   * Records a file about to move from `path` to `nextPath` (state `arriving`). In the same
   * step, the oldest earlier file with the same sha256 whose outcome is not `failed` becomes
   * its `duplicateOf`.
   */
  recordInboxFile(file: NewInboxFile, now: number): Promise<InboxFile>;
  getInboxFile(id: number): Promise<InboxFile | null>;
  /** Files not yet `done` or `failed`, oldest first. */
  listOpenInboxFiles(): Promise<InboxFile[]>;
  /**
   * Creates a queued job from `spec` (as `createJob` does) and links it to a `processing` file,
   * which becomes `queued`, atomically. Null, and no job, when the file is not `processing`.
   */
  submitInboxJob(id: number, spec: JobSpec, now: number): Promise<{ file: InboxFile; job: Job } | null>;
  /**
   * Plans the move out of `processing/` (state `leaving`), or re-plans it to another target.
   * Throws `ConflictError` unless the file is `processing`, `queued` or `leaving`.
   */
  planInboxExit(id: number, exit: InboxExit, now: number): Promise<InboxFile>;
  /**
   * The planned move happened: `path` becomes `nextPath`; `arriving` becomes `processing`,
   * `leaving` becomes its outcome. Throws `ConflictError` in any other state.
   */
  completeInboxMove(id: number, now: number): Promise<InboxFile>;
  /** Drops the record of an `arriving` file that was not moved (it is looked at afresh). */
  forgetInboxFile(id: number): Promise<void>;
  /**
   * Links a `processing` file to the dataset version it was registered as. Linking the same
   * version again is a no-op; throws `ConflictError` in another state or for another version,
   * `NotFoundError` for an unknown file.
   */
  linkInboxDataset(id: number, datasetVersionId: number, now: number): Promise<InboxFile>;
  /** A page of records, newest (highest id) first, and how many match in all. */
  listInboxFiles(query: InboxFileQuery): Promise<{ files: InboxFile[]; total: number }>;
  /** How many records are in each state (states with none are absent). */
  countInboxFiles(): Promise<Partial<Record<InboxFileState, number>>>;
}

/** A dataset version to register; version number, id and time are the store's. */
export interface NewDatasetVersion {
  readonly name: string;
  /** Hex sha256 of the content (a folder: of its sorted per-file hashes). */
  readonly sha256: string;
  readonly format: string;
  readonly bytes: number;
  readonly files: number;
  /** The path it was registered from. */
  readonly source: string;
  /** Where the content is stored, relative to the data directory's `datasets/`. */
  readonly path: string;
}

/** User-defined dataset formats: immutable once registered under a name. */
export interface DatasetFormatStore {
  /**
   * Registers a format. The same definition (same sha256) again returns the stored one; another
   * definition under a taken name throws ConflictError.
   */
  registerFormat(definition: FormatDefinition, sha256: string, now: number): Promise<StoredFormat>;
  getFormat(name: string): Promise<StoredFormat | null>;
  /** By name. */
  listFormats(): Promise<StoredFormat[]>;
}

/** Dataset versions, their validations and their lineage (src/datasets). */
export interface DatasetStore extends DatasetFormatStore {
  /**
   * Registers content under a name as its next version (1, 2, …) with its first validation,
   * atomically. Content this name already holds (same sha256) is not registered again: that
   * version is returned with `created: false`, and the validation is added to it. Throws
   * ConflictError when that content was registered with another format.
   */
  registerDatasetVersion(version: NewDatasetVersion, report: ValidationReport, now: number): Promise<{ version: DatasetVersion; created: boolean }>;
  /** Version `version` of `name`, or its latest when omitted; null when there is none. */
  getDataset(name: string, version?: number): Promise<DatasetVersion | null>;
  /** Versions of a name, oldest first; empty when the name is unknown. */
  listDatasetVersions(name: string): Promise<DatasetVersion[]>;
  /** Every name with its latest version, by name. */
  listDatasets(): Promise<DatasetSummary[]>;
  /** Adds a validation to a version (its rows become exact with a full count). Throws NotFoundError. */
  recordValidation(versionId: number, report: ValidationReport, now: number): Promise<ValidationRecord>;
  /** The full report of a recorded validation, or null. */
  getValidationReport(validationId: number): Promise<ValidationReport | null>;
  /** Records that a run read these versions; recording the same (version, run, role) again is a no-op. */
  recordDatasetUses(uses: readonly Omit<DatasetUse, 'createdAt'>[], now: number): Promise<void>;
  /** The runs that read a version, oldest first. */
  listDatasetUses(versionId: number): Promise<DatasetUse[]>;
}

export interface EventFilter {
  /** Only events with a larger id. Default: 0 (from the first). */
  readonly after?: number;
  /** Only these types; an empty list matches nothing. Default: all. */
  readonly types?: readonly DomainEventType[];
  readonly jobId?: number;
  /** Oldest first, at most this many. Default: 1,000; at most 10,000. */
  readonly limit?: number;
}

/**
 * The durable event log (core/events.ts). Events are appended only by the verbs whose change
 * they report, in the same transaction; this interface reads them and keeps subscribers' cursors.
 */
export interface EventStore {
  listEvents(filter?: EventFilter): Promise<DomainEvent[]>;
  /** The id of the newest event, 0 when there is none. */
  lastEventId(): Promise<number>;
  /** The last event id a subscriber acknowledged, or null when it never did. */
  getEventCursor(subscriber: string): Promise<number | null>;
  /** Moves a subscriber's cursor forward to `lastId` (never back). */
  ackEvents(subscriber: string, lastId: number, now: number): Promise<void>;
  /**
   * Calls `listener` after each commit that appended events (in this process), so readers need
   * not poll. Returns the function that stops it.
   */
  watchEvents(listener: () => void): () => void;
}

export interface Store extends JobStore, RunStore, MetricStore, CheckpointStore, TokenStore, InboxStore, DatasetStore, EventStore, RegistryStore, EvaluationStore, DeploymentStore, RetentionPolicyStore, ApiKeyStore, AutomationStore, StudyStore, CurriculumStore, ArtifactStore, OperationsStore, SignInStore, AuditStore, EventRetentionStore {
  close(): Promise<void>;
}
