/** Row ↔ domain mapping shared by the store's tables. */
import type { Selectable } from 'kysely';
import { parseJobSpec } from '../../core/job-spec.ts';
import type { InitFrom } from '../../core/init-from.ts';
import type { Checkpoint, Job, JobSpec, JobState, PriorityClass, Run, RunHandle, RunOutcome, RunState, StopReason } from '../../core/types.ts';
import type { CheckpointTable, JobTable, RunTable } from './schema.ts';

export type JobRow = Selectable<JobTable>;
export type RunRow = Selectable<RunTable>;
export type CheckpointRow = Selectable<CheckpointTable>;

/** NULL ↔ NaN for value columns (SQLite stores NaN as NULL). */
export function valueFromColumn(x: number | null): number {
  return x === null ? NaN : x;
}

export function valueToColumn(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}

function outcomeFromColumn(text: string | null): RunOutcome | null {
  return text === null ? null : (JSON.parse(text) as RunOutcome);
}

export function outcomeToColumn(outcome: RunOutcome | null): string | null {
  return outcome === null ? null : JSON.stringify(outcome);
}

export function jobFromRow(row: JobRow): Job {
  return {
    id: row.id,
    spec: specFromColumn(row.spec),
    state: row.state as JobState,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    attempts: row.attempts,
    notBefore: row.not_before,
    outcome: outcomeFromColumn(row.outcome),
    stopRequested: row.stop_requested !== 0,
    stopReason: row.stop_reason as StopReason | null,
    progress: {
      step: row.progress_step,
      total: row.progress_total,
      rate: row.progress_rate,
      etaSeconds: row.progress_eta,
      message: row.progress_message,
    },
    priority: { class: row.priority_class as PriorityClass, value: row.priority_value },
    queuedAt: row.queued_at ?? row.created_at,
    paramsOverride: row.params_override === null ? null : (JSON.parse(row.params_override) as Record<string, unknown>),
    initFrom: row.init_from === null ? null : (JSON.parse(row.init_from) as InitFrom),
    createdByToken: row.created_by_token,
  };
}

/**
 * Specs stored before a field existed get its default: stored specs are re-read through the
 * spec schema (they passed it once, so this cannot fail for them).
 */
function specFromColumn(text: string): JobSpec {
  const stored = JSON.parse(text) as JobSpec;
  return 'watchdog' in stored ? stored : parseJobSpec(stored);
}

export function runFromRow(row: RunRow): Run {
  return {
    id: row.id,
    jobId: row.job_id,
    attempt: row.attempt,
    state: row.state as RunState,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    handle: handleFromRow(row),
    exitCode: row.exit_code,
    signal: row.signal,
    outcome: outcomeFromColumn(row.outcome),
    resumedFrom: row.resumed_from,
    resumeStep: row.resume_step,
    logPath: row.log_path,
    lastHeartbeatAt: row.last_heartbeat_at,
    gpus: JSON.parse(row.gpus) as number[],
    cpus: row.cpus,
    params: row.params === null ? null : (JSON.parse(row.params) as Record<string, unknown>),
    peakGpuMemoryMiB: row.peak_gpu_memory_mib,
  };
}

/**
 * The run's handle; a run started before handles existed (migration 0011) has only a pid and a
 * /proc start time, which is the local executor's handle `PID@START` (executors/local/handle.ts).
 */
function handleFromRow(row: RunRow): RunHandle | null {
  if (row.handle_executor !== null && row.handle_external_id !== null) return { executor: row.handle_executor, externalId: row.handle_external_id };
  if (row.pid === null) return null;
  return { executor: 'local', externalId: row.proc_start === null ? `${row.pid}` : `${row.pid}@${row.proc_start}` };
}

export function checkpointFromRow(row: CheckpointRow): Checkpoint {
  return {
    id: row.id,
    jobId: row.job_id,
    runId: row.run_id,
    step: row.step,
    path: row.path,
    bytes: row.bytes,
    metrics: JSON.parse(row.metrics) as Record<string, number>,
    createdAt: row.created_at,
    deleted: row.deleted !== 0,
  };
}
