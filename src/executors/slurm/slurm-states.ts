/**
 * Slurm's job states as Trainyard sees them. Pure: what a state means for the run (still queued
 * in Slurm, running, or ended), and how an ended job becomes an `ExitReport` with, where Slurm
 * knows more than the exit status, the attempt's classification (`ExitReport.outcome`).
 *
 * | Slurm state                    | run      | classification (unless Trainyard asked for a stop)        |
 * |--------------------------------|----------|------------------------------------------------------------|
 * | PENDING, CONFIGURING, REQUEUE_HOLD, RESV_DEL_HOLD, REQUEUE_FED | queued | — (the job shows `running` with Slurm's reason) |
 * | RUNNING, COMPLETING, SUSPENDED, STOPPED, SIGNALING, STAGE_OUT, RESIZING | running | — |
 * | COMPLETED, FAILED, SPECIAL_EXIT | ended   | from the exit status, as a local run (exit code, signal, CUDA OOM in the log) |
 * | CANCELLED                      | ended    | `stopped` (cancelled outside Trainyard, e.g. `scancel`); not retried |
 * | TIMEOUT, DEADLINE              | ended    | `time-limit`; not retried                                   |
 * | OUT_OF_MEMORY                  | ended    | `oom-killed`; retried                                       |
 * | NODE_FAIL, BOOT_FAIL, REVOKED  | ended    | `lost`; retried from the latest checkpoint                  |
 * | PREEMPTED, REQUEUED            | ended    | `preempted`; queued again at once, resumed from the latest checkpoint (TRAINYARD_RESUME_FROM) |
 *
 * Trainyard submits with `--no-requeue`, so Slurm never runs a job a second time behind its back:
 * a preempted or failed node's job comes back through Trainyard's own retry, with its resume point.
 * A state this table does not know is taken as running (the job's end shows in a later state).
 */
import { signalFromShellStatus } from '../../core/classify.ts';
import type { RunOutcome } from '../../core/types.ts';
import type { ExitReport, ExitStatus } from '../executor.ts';

export type SlurmPhase = 'queued' | 'running' | 'ended';

/** One job as squeue or sacct reports it, reduced to what the executor reads. */
export interface SlurmJobRecord {
  /** The job id (`123`). */
  readonly id: string;
  readonly name: string;
  /** The base state, upper case, without Slurm's flags or "by UID" (`CANCELLED`). */
  readonly state: string;
  /** Why a queued job waits (`Resources`, `Priority`); null for none. */
  readonly reason: string | null;
  /** The batch script's exit; null where Slurm did not say. */
  readonly exit: ExitStatus | null;
  /** The job's comment (Trainyard writes the run directory there); null where not reported. */
  readonly comment: string | null;
}

const QUEUED = new Set(['PENDING', 'CONFIGURING', 'REQUEUE_HOLD', 'RESV_DEL_HOLD', 'REQUEUE_FED']);
const ENDED = new Set(['COMPLETED', 'FAILED', 'SPECIAL_EXIT', 'CANCELLED', 'TIMEOUT', 'DEADLINE', 'OUT_OF_MEMORY', 'NODE_FAIL', 'BOOT_FAIL', 'REVOKED', 'PREEMPTED', 'REQUEUED']);

export function slurmPhase(state: string): SlurmPhase {
  if (QUEUED.has(state)) return 'queued';
  return ENDED.has(state) ? 'ended' : 'running';
}

/** Outcomes Slurm decides, by state; the other ended states are classified from the exit. */
const VERDICTS: Readonly<Record<string, RunOutcome>> = {
  CANCELLED: { kind: 'stopped', detail: 'cancelled in Slurm outside Trainyard (scancel)', retryable: false },
  TIMEOUT: { kind: 'time-limit', detail: 'reached its Slurm time limit (TIMEOUT)', retryable: false },
  DEADLINE: { kind: 'time-limit', detail: 'reached its Slurm deadline (DEADLINE)', retryable: false },
  OUT_OF_MEMORY: { kind: 'oom-killed', detail: 'killed for memory by Slurm (OUT_OF_MEMORY)', retryable: true },
  NODE_FAIL: { kind: 'lost', detail: 'its Slurm node failed (NODE_FAIL)', retryable: true },
  BOOT_FAIL: { kind: 'lost', detail: 'its Slurm node failed to boot (BOOT_FAIL)', retryable: true },
  REVOKED: { kind: 'lost', detail: 'revoked by Slurm (REVOKED)', retryable: true },
  PREEMPTED: { kind: 'preempted', detail: 'preempted by Slurm (PREEMPTED)', retryable: true },
  REQUEUED: { kind: 'preempted', detail: 'requeued by Slurm (REQUEUED); Trainyard runs it again from its latest checkpoint', retryable: true },
};

/**
 * How an ended job's run ended. `sent`: the signal this executor sent it (a cancelled job that
 * never ran reports it; a job Trainyard cancelled is not "cancelled outside Trainyard").
 */
export function slurmExitReport(record: Pick<SlurmJobRecord, 'state' | 'exit'>, sent: 'SIGTERM' | 'SIGKILL' | null): ExitReport {
  const exit = record.exit ?? { exitCode: null, signal: null };
  const oomKilled = record.state === 'OUT_OF_MEMORY';
  let status: ExitStatus = exit;
  // Ended by Slurm without an exit of its own (cancelled while queued, killed at the limit).
  const silent = exit.signal === null && (exit.exitCode === null || exit.exitCode === 0);
  if (silent && record.state !== 'COMPLETED' && record.state !== 'FAILED' && record.state !== 'SPECIAL_EXIT') {
    status = { exitCode: null, signal: oomKilled ? 'SIGKILL' : sent ?? 'SIGTERM' };
  }
  // Slurm carries out a KILL as a cancel (SIGTERM, SIGKILL after KillWait): killed, as asked.
  if (record.state === 'CANCELLED' && sent === 'SIGKILL') status = { exitCode: null, signal: 'SIGKILL' };
  const verdict = record.state === 'CANCELLED' && sent !== null ? undefined : VERDICTS[record.state];
  return { ...status, oomKilled, ...(verdict ? { outcome: verdict } : {}) };
}

/** A wait status (`exit_code` in squeue's JSON of Slurm 22.05): code in the high byte, signal in the low bits. */
export function decodeWaitStatus(raw: number): ExitStatus {
  const signal = raw & 0x7f;
  if (signal !== 0) return { exitCode: null, signal: signalName(signal) };
  return fromExitCode(raw >> 8);
}

/** sacct's `ExitCode` (`CODE:SIGNAL`, e.g. `3:0`, `0:9`); null when it is not of that form. */
export function parseSacctExitCode(text: string): ExitStatus | null {
  const match = /^(\d+):(\d+)$/.exec(text.trim());
  if (!match) return null;
  const signal = Number(match[2]);
  return signal !== 0 ? { exitCode: null, signal: signalName(signal) } : fromExitCode(Number(match[1]));
}

/** `CANCELLED by 0`, `RUNNING+` (flags), `["PENDING"]` (newer JSON) → the base state. */
export function baseState(state: unknown): string {
  const first = Array.isArray(state) ? state[0] : state;
  return String(first ?? 'UNKNOWN').trim().split(/[\s+]/)[0].toUpperCase();
}

/** A shell that reports its command's death by signal N exits 128 + N; undo that, as the local executor does. */
function fromExitCode(code: number): ExitStatus {
  const fromShell = signalFromShellStatus(code);
  return fromShell ? { exitCode: null, signal: fromShell } : { exitCode: code, signal: null };
}

function signalName(n: number): string {
  return signalFromShellStatus(128 + n) ?? `SIG${n}`;
}
