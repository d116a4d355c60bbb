/**
 * Which checkpoints of a job to keep, and why each of the others may go. Pure: the caller
 * gathers the checkpoints, the policy and what protects some of them (a model version, an
 * alias, a deployment, an evaluation in progress, a dependent job's `from:`, the divergence
 * rollback point), and deletes only what this returns, reasons included (`gc --dry-run`).
 *
 * A checkpoint is kept when any rule keeps it; the rules are unions, never intersections.
 */
import type { MetricGoal } from './evaluation.ts';

export interface RetentionPolicy {
  /** Keep the newest N by step. 0 or absent: this rule keeps nothing. */
  readonly keepLatest?: number;
  /** Keep the best `count` by a metric (a training metric or an evaluation's). */
  readonly keepBest?: { readonly metric: string; readonly goal: MetricGoal; readonly count: number };
  /** Keep every checkpoint whose step is a multiple of N (milestones). */
  readonly keepEvery?: number;
}

/** The policy of jobs without their own, as the server stores it (`trainyard gc policy`). */
export interface GlobalRetention {
  /** null: none set. */
  readonly policy: RetentionPolicy | null;
  /** When and by whom it was last set or removed; null when never. */
  readonly updatedAt: number | null;
  readonly updatedBy: string | null;
}

/** Where the policy a job follows came from: its spec, the global policy, or the default. */
export type PolicySource = 'job' | 'global' | 'default';

/**
 * The policy a job follows: its own (`retention`, or an explicit `keepCheckpoints`), else the
 * global one (`trainyard gc policy set`), else keep the latest `keepCheckpoints` (default 3).
 */
export function effectivePolicy(spec: { readonly keepCheckpoints: number; readonly retention?: RetentionPolicy }, global: RetentionPolicy | null): { policy: RetentionPolicy; source: PolicySource } {
  if (spec.retention) return { policy: spec.retention, source: 'job' };
  if (global) return { policy: global, source: 'global' };
  return { policy: { keepLatest: spec.keepCheckpoints }, source: 'default' };
}

/** "latest 3, best 2 by heldout/score (max), every 1000th step", or "keep everything". */
export function describePolicy(policy: RetentionPolicy): string {
  const parts: string[] = [];
  if (policy.keepLatest) parts.push(`latest ${policy.keepLatest}`);
  if (policy.keepBest?.count) parts.push(`best ${policy.keepBest.count} by ${policy.keepBest.metric} (${policy.keepBest.goal})`);
  if (policy.keepEvery) parts.push(`every ${policy.keepEvery}th step`);
  return parts.length > 0 ? parts.join(', ') : 'keep everything';
}

/** What an evaluation of a checkpoint contributes to its metrics (done ones only). */
export interface EvaluatedValues {
  readonly suite: string;
  readonly result: { readonly values: Readonly<Record<string, number>>; readonly score: number | null } | null;
}

/**
 * A checkpoint's metrics for `keepBest`: the training metrics registered with it, then each
 * evaluation's as `SUITE/METRIC` and its composite score as `SUITE/score` (an evaluation's
 * value wins over a training metric of the same name, the composite over a metric `score`).
 */
export function retainedMetrics(training: Readonly<Record<string, number>>, evaluations: readonly EvaluatedValues[]): Record<string, number> {
  const metrics: Record<string, number> = { ...training };
  for (const e of evaluations) {
    if (!e.result) continue;
    for (const [key, value] of Object.entries(e.result.values)) metrics[`${e.suite}/${key}`] = value;
    if (e.result.score !== null) metrics[`${e.suite}/score`] = e.result.score;
  }
  return metrics;
}

export interface RetainedCheckpoint {
  readonly id: number;
  readonly step: number;
  /** Training metrics registered with it, merged with its evaluation results. */
  readonly metrics: Readonly<Record<string, number>>;
}

export interface RetentionPlan {
  /** Kept checkpoints with every reason that keeps them. */
  readonly keep: ReadonlyArray<{ readonly id: number; readonly reasons: readonly string[] }>;
  /** The others, each with why no rule keeps it. */
  readonly remove: ReadonlyArray<{ readonly id: number; readonly reason: string }>;
}

/**
 * `protections` maps a checkpoint id to what needs it; those are always kept. A policy with no
 * rule at all keeps everything (nothing is deleted by accident).
 */
export function planRetention(checkpoints: readonly RetainedCheckpoint[], policy: RetentionPolicy, protections: ReadonlyMap<number, readonly string[]> = new Map()): RetentionPlan {
  const reasons = new Map<number, string[]>(checkpoints.map((c) => [c.id, [...(protections.get(c.id) ?? [])]]));
  const hasRule = Boolean(policy.keepLatest) || Boolean(policy.keepBest?.count) || Boolean(policy.keepEvery);
  if (!hasRule) for (const c of checkpoints) reasons.get(c.id)!.push('no retention policy');
  const byStep = [...checkpoints].sort((a, b) => b.step - a.step || b.id - a.id);
  if (policy.keepLatest) byStep.slice(0, policy.keepLatest).forEach((c, i) => reasons.get(c.id)!.push(`latest ${i + 1} of ${policy.keepLatest}`));
  if (policy.keepBest?.count) {
    const { metric, goal, count } = policy.keepBest;
    const scored = byStep.filter((c) => Number.isFinite(c.metrics[metric]));
    scored.sort((a, b) => (goal === 'min' ? a.metrics[metric] - b.metrics[metric] : b.metrics[metric] - a.metrics[metric]) || b.step - a.step);
    scored.slice(0, count).forEach((c, i) => reasons.get(c.id)!.push(`best ${i + 1} of ${count} by ${metric} (${goal})`));
  }
  if (policy.keepEvery) for (const c of checkpoints) if (c.step % policy.keepEvery === 0) reasons.get(c.id)!.push(`step ${c.step} is a multiple of ${policy.keepEvery}`);
  const keep: Array<{ id: number; reasons: string[] }> = [];
  const remove: Array<{ id: number; reason: string }> = [];
  for (const c of byStep) {
    const why = reasons.get(c.id)!;
    if (why.length > 0) keep.push({ id: c.id, reasons: why });
    else remove.push({ id: c.id, reason: describeRemoval(c, policy) });
  }
  return { keep, remove };
}

function describeRemoval(c: RetainedCheckpoint, policy: RetentionPolicy): string {
  const parts: string[] = [];
  if (policy.keepLatest) parts.push(`not among the latest ${policy.keepLatest}`);
  if (policy.keepBest?.count) {
    const value = c.metrics[policy.keepBest.metric];
    parts.push(Number.isFinite(value) ? `not among the best ${policy.keepBest.count} by ${policy.keepBest.metric}` : `has no ${policy.keepBest.metric}`);
  }
  if (policy.keepEvery) parts.push(`step ${c.step} is not a multiple of ${policy.keepEvery}`);
  return `step ${c.step}: ${parts.join(', ')}; nothing protects it`;
}
