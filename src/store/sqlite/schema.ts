/**
 * Table types of the store's schema, for Kysely. Written for SQLite and PostgreSQL alike:
 * booleans are 0/1 integers, JSON is text, times are epoch-ms integers, steps and values are
 * doubles where NULL in a value column stands for NaN (SQLite stores a bound NaN as NULL).
 */
import type { Generated, Kysely } from 'kysely';

export interface JobTable {
  id: Generated<number>;
  name: string;
  /** JobSpec as JSON. */
  spec: string;
  state: string;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  attempts: number;
  not_before: number | null;
  /** RunOutcome as JSON. */
  outcome: string | null;
  stop_requested: number;
  progress_step: number | null;
  progress_total: number | null;
  progress_rate: number | null;
  progress_eta: number | null;
  priority_class: Generated<string>;
  priority_value: Generated<number>;
  /** FIFO key within a priority; NULL only for rows older than migration 0003. */
  queued_at: number | null;
  stop_reason: string | null;
  /** Record<string, unknown> as JSON. */
  params_override: string | null;
  /** Added by 0006_progress_message: the run's last status line. */
  progress_message: string | null;
  /** Added by 0022_init_from: the checkpoint `spec.from` resolved to at submit. */
  init_from_checkpoint_id: number | null;
  /** Added by 0022_init_from: InitFrom (core/init-from.ts) as JSON; null without `from:`. */
  init_from: string | null;
  /** Added by 0033_token_scopes: the id of the token that submitted it over the API; else null. */
  created_by_token: string | null;
}

/** One row per distinct tag of a job's spec (migration 0007), for filtering in SQL. */
export interface JobTagTable {
  job_id: number;
  tag: string;
}

export interface RunTable {
  id: Generated<number>;
  job_id: number;
  attempt: number;
  state: string;
  started_at: number;
  ended_at: number | null;
  /** Set by servers before run handles (0011): read as a local handle. */
  pid: number | null;
  proc_start: number | null;
  handle_executor: string | null;
  handle_external_id: string | null;
  exit_code: number | null;
  signal: string | null;
  outcome: string | null;
  resumed_from: number | null;
  resume_step: number | null;
  log_path: string;
  last_heartbeat_at: number | null;
  log_offset: number;
  /** number[] as JSON. */
  gpus: Generated<string>;
  cpus: Generated<number>;
  /** The params it started with, as JSON (0028); null before. */
  params: string | null;
  /** MiB (0028); null when not measured. */
  peak_gpu_memory_mib: number | null;
}

export interface CheckpointTable {
  id: Generated<number>;
  job_id: number;
  run_id: number;
  step: number;
  path: string;
  bytes: number;
  /** Record<string, number> as JSON. */
  metrics: string;
  created_at: number;
  deleted: number;
}

export interface TokenTable {
  id: string;
  secret_hash: Buffer;
  role: string;
  run_id: number | null;
  job_id: number | null;
  created_at: number;
  /** Added by 0002_token_names; null for unnamed tokens. */
  name: string | null;
  /** Added by 0008_upstream_reads: number[] as JSON, for run tokens of jobs with `after`; else null. */
  upstream_job_ids: string | null;
  /** Added by 0033_token_scopes: epoch ms after which the token is refused; null: never. */
  expires_at: number | null;
  /** Added by 0033_token_scopes: epoch ms of its last use, kept to the minute; null: never used. */
  last_used_at: number | null;
}

/** One row per (job, key), with the summary of all its chunks. */
export interface MetricSeriesTable {
  id: Generated<number>;
  job_id: number;
  key: string;
  count: number;
  first_step: number;
  last_step: number;
  last_value: number | null;
  min: number | null;
  max: number | null;
  /** Slot the next chunk of this series gets (see summary-groups.ts). */
  next_slot: number;
}

/** Summary columns of a chunk; its blob lives in `metric_chunk_data` under the same id. */
export interface MetricChunkTable {
  id: Generated<number>;
  series_id: number;
  run_id: number;
  slot: number;
  first_step: number;
  last_step: number;
  count: number;
  min: number | null;
  max: number | null;
  last_value: number | null;
}

export interface MetricChunkDataTable {
  chunk_id: number;
  data: Buffer;
}

/** Packed summaries of a series' chunks, by slot group (see summary-groups.ts). */
export interface MetricChunkGroupTable {
  series_id: number;
  group_no: number;
  first_step: number;
  last_step: number;
  data: Buffer;
}

/** A buffered metric batch, not yet folded into chunks (see pending-batch.ts). */
export interface MetricPendingTable {
  id: Generated<number>;
  job_id: number;
  run_id: number;
  points: number;
  data: Buffer;
}

/** Batch ids already recorded, per run (dedupe of retried uploads). */
export interface MetricBatchTable {
  run_id: number;
  batch_id: string;
}

/** One row per file dropped into the inbox (migration 0004); see InboxFile in store.ts. */
export interface InboxFileTable {
  id: Generated<number>;
  name: string;
  sha256: string;
  priority: string;
  state: string;
  path: string | null;
  next_path: string | null;
  job_id: number | null;
  duplicate_of: number | null;
  outcome: string | null;
  reason: string | null;
  report: string | null;
  /** Migration 0027_inbox_state. */
  dataset_version_id: number | null;
  created_at: number;
  updated_at: number;
}

/** The durable event log (migration 0010); see core/events.ts. */
export interface EventTable {
  id: Generated<number>;
  type: string;
  job_id: number | null;
  run_id: number | null;
  /** The event's data as JSON. */
  data: string;
  at: number;
}

/** The last event id each in-server subscriber acknowledged. */
export interface EventCursorTable {
  subscriber: string;
  last_id: number;
  updated_at: number;
}

export interface StoreSchema {
  events: EventTable;
  event_cursors: EventCursorTable;
  jobs: JobTable;
  job_tags: JobTagTable;
  runs: RunTable;
  checkpoints: CheckpointTable;
  tokens: TokenTable;
  metric_series: MetricSeriesTable;
  metric_chunks: MetricChunkTable;
  metric_chunk_data: MetricChunkDataTable;
  metric_chunk_groups: MetricChunkGroupTable;
  metric_batches: MetricBatchTable;
  metric_pending: MetricPendingTable;
  inbox_files: InboxFileTable;
}

export type StoreDb = Kysely<StoreSchema>;
