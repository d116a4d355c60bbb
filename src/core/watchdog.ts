/**
 * Watchdogs, as pure decisions: when a run has gone on too long, made no progress for too
 * long while alive, or diverged. The run manager feeds them facts and carries out the verdict.
 *
 * Progress means a new, higher step. The SDK's liveness heartbeat is deliberately not
 * progress: a process that heartbeats but never advances is exactly what `stuck` catches,
 * and a slow evaluation is covered by choosing a window longer than it.
 */
import type { DivergenceSpec, JobSpec, StopReason } from './types.ts';

export interface RunFacts {
  readonly now: number;
  readonly startedAt: number;
  /** When the step last increased during this run; null when it has not yet. */
  readonly lastProgressAt: number | null;
  // All three on one clock: the control layer gives monotonic times, so a wall-clock jump is no duration.
}

/** `time-limit` or `stuck` when the run must be stopped, else null. */
export function checkRunLimits(spec: Pick<JobSpec, 'timeLimitSeconds' | 'watchdog'>, facts: RunFacts): Extract<StopReason, 'time-limit' | 'stuck'> | null {
  if (spec.timeLimitSeconds !== null && facts.now - facts.startedAt > spec.timeLimitSeconds * 1000) return 'time-limit';
  const window = spec.watchdog.stuckSeconds;
  if (window !== null && facts.now - (facts.lastProgressAt ?? facts.startedAt) > window * 1000) return 'stuck';
  return null;
}

export interface DivergenceState {
  /** Lowest finite value seen so far. */
  readonly min: number | null;
}

export interface Divergence {
  readonly step: number;
  readonly value: number;
  readonly detail: string;
}

/**
 * Looks at new points of the watched metric, in step order. Returns the updated running
 * minimum and the first diverging point, if any.
 */
export function checkDivergence(
  spec: DivergenceSpec,
  state: DivergenceState,
  steps: ArrayLike<number>,
  values: ArrayLike<number>,
): { state: DivergenceState; diverged: Divergence | null } {
  let min = state.min;
  for (let i = 0; i < steps.length; i++) {
    const value = values[i];
    if (!Number.isFinite(value)) {
      return { state: { min }, diverged: { step: steps[i], value, detail: `${spec.metric} = ${value} at step ${steps[i]}` } };
    }
    if (spec.factor !== null && min !== null && min > 0 && value > spec.factor * min) {
      return {
        state: { min },
        diverged: { step: steps[i], value, detail: `${spec.metric} = ${value} at step ${steps[i]}, over ${spec.factor}× its minimum ${min}` },
      };
    }
    if (min === null || value < min) min = value;
  }
  return { state: { min }, diverged: null };
}

/**
 * The checkpoint the divergence watchdog rolls back to (docs/retention.md): the newest before
 * the divergence. `divergedAt` is the step a divergence stopped the job at (its outcome); the
 * checkpoints' own registered values of the watched metric count too, so that a checkpoint
 * written after the metric went bad but before the watchdog saw it is not the rollback point.
 * null when no checkpoint lies before the divergence.
 */
export function rollbackPoint<C extends { readonly id: number; readonly step: number; readonly metrics: Readonly<Record<string, number>> }>(
  spec: DivergenceSpec,
  checkpoints: readonly C[],
  divergedAt?: number,
): C | null {
  const ordered = [...checkpoints].sort((a, b) => a.step - b.step || a.id - b.id);
  // A NaN registered with a checkpoint is stored as JSON null: still a divergence.
  const scored = ordered.filter((c) => spec.metric in c.metrics);
  const values = scored.map((c) => (typeof c.metrics[spec.metric] === 'number' ? c.metrics[spec.metric] : NaN));
  const { diverged } = checkDivergence(spec, { min: null }, scored.map((c) => c.step), values);
  const limit = Math.min(divergedAt ?? Infinity, diverged?.step ?? Infinity);
  for (let i = ordered.length - 1; i >= 0; i--) if (ordered[i].step < limit) return ordered[i];
  return null;
}
