/**
 * An evaluation: one run of a suite on one checkpoint, its verdict and its place on the
 * leaderboard. What it concludes is decided here, purely, from what its job reported (the
 * judging itself is `evaluation.ts`); `src/evaluation/` gathers the inputs and stores the result.
 */
import {
  bestSoFar,
  compositeScore,
  judge,
  type MetricDiff,
  type Regression,
  regressions,
  type SuiteMetric,
  type Verdict,
} from './evaluation.ts';
import type { JobState, RunOutcome } from './types.ts';

/** `running` until its job ended (queued, running or retried meanwhile); then `done`. */
export type EvaluationState = 'running' | 'done';

/** Why it exists: a registered checkpoint of a job that asked for the suite, or a person. */
export type EvaluationTrigger = 'checkpoint' | 'manual';

/** The baseline an evaluation was judged against, as it was then. */
export interface EvaluationBaseline {
  readonly label: string;
  readonly values: Readonly<Record<string, number>>;
  /** The baseline's composite score; null when it lacks a weighted metric. */
  readonly score: number | null;
}

/** A manual "promote anyway": who asked and why. */
export interface EvaluationOverride {
  readonly by: string;
  readonly reason: string;
  readonly at: number;
}

/** What an ended evaluation concluded (`concludeEvaluation`). */
export interface EvaluationResult {
  readonly verdict: Verdict;
  /** One line: the failures, why the job failed, or that all held; then any regression. */
  readonly summary: string;
  /** The latest value of each suite metric its job reported ({} when the job failed). */
  readonly values: Readonly<Record<string, number>>;
  readonly score: number | null;
  readonly baseline: EvaluationBaseline | null;
  /** score − baseline score; null without both. */
  readonly scoreDelta: number | null;
  readonly diffs: readonly MetricDiff[];
  /** Metrics worse than the best earlier evaluation of the suite for the job; empty when none. */
  readonly regressions: readonly Regression[];
}

export interface Evaluation {
  readonly id: number;
  readonly suite: string;
  readonly suiteVersion: number;
  /** The job whose checkpoint is evaluated. */
  readonly jobId: number;
  readonly checkpointId: number;
  readonly step: number;
  readonly checkpointPath: string;
  /** The job that runs the suite's command. */
  readonly evalJobId: number;
  readonly trigger: EvaluationTrigger;
  readonly state: EvaluationState;
  readonly createdAt: number;
  readonly endedAt: number | null;
  /** null while running. */
  readonly result: EvaluationResult | null;
  readonly override: EvaluationOverride | null;
}

export interface ConcludeInput {
  readonly metrics: readonly SuiteMetric[];
  readonly tolerance: number;
  /** How the evaluation's job ended. */
  readonly job: { readonly state: JobState; readonly outcome: RunOutcome | null };
  /** The latest value of every metric its job reported. */
  readonly reported: Readonly<Record<string, number>>;
  readonly baseline: { readonly label: string; readonly values: Readonly<Record<string, number>> } | null;
  /** Values of the earlier evaluations of the suite for the same job (lower steps), done. */
  readonly earlier: ReadonlyArray<Readonly<Record<string, number>>>;
}

/**
 * The result of an evaluation whose job ended: a job that did not succeed is `fail` with its
 * reason; otherwise the verdict of `judge` against the baseline, the composite score, and the
 * regression alarm against the best of the earlier evaluations.
 */
export function concludeEvaluation(input: ConcludeInput): EvaluationResult {
  const { metrics } = input;
  const baselineValues = input.baseline?.values ?? null;
  const baseline = input.baseline
    ? { label: input.baseline.label, values: input.baseline.values, score: compositeScore(metrics, input.baseline.values) }
    : null;
  if (input.job.state !== 'succeeded') {
    const judged = judge(metrics, {}, baselineValues);
    const why = input.job.outcome?.detail ?? 'no outcome recorded';
    return {
      verdict: 'fail',
      summary: `the evaluation job ${input.job.state}: ${why}`,
      values: {},
      score: null,
      baseline,
      scoreDelta: null,
      diffs: judged.diffs,
      regressions: [],
    };
  }
  const values: Record<string, number> = {};
  for (const m of metrics) {
    const v = input.reported[m.name];
    if (v !== undefined && Number.isFinite(v)) values[m.name] = v;
  }
  const judged = judge(metrics, values, baselineValues);
  const score = compositeScore(metrics, values);
  const found = input.earlier.length > 0 ? regressions(metrics, values, bestSoFar(metrics, input.earlier), input.tolerance) : [];
  const summary = found.length > 0 ? `${judged.summary}; regression: ${found.map((r) => r.detail).join('; ')}` : judged.summary;
  return {
    verdict: judged.verdict,
    summary,
    values,
    score,
    baseline,
    scoreDelta: score !== null && baseline?.score !== null && baseline?.score !== undefined ? score - baseline.score : null,
    diffs: judged.diffs,
    regressions: found,
  };
}

/**
 * Whether an evaluation lets its checkpoint be promoted: done, not `fail`, no regression; or
 * overridden by a person ("promote anyway"). The registry's promotion rule starts here.
 */
export function isPromotable(e: Pick<Evaluation, 'state' | 'result' | 'override'>): boolean {
  if (e.override !== null) return true;
  return e.state === 'done' && e.result !== null && e.result.verdict !== 'fail' && e.result.regressions.length === 0;
}

/** A leaderboard row: the evaluation with its rank (null while running or without a score). */
export interface RankedEvaluation<E extends Evaluation = Evaluation> {
  readonly rank: number | null;
  readonly evaluation: E;
}

/**
 * Orders evaluations for a leaderboard: by composite score, best first (ties: the earlier
 * step, then the lower id), ranked 1, 2, …; then those without a score (failed, or missing a
 * weighted metric), then those still running, each by id.
 */
export function rankEvaluations<E extends Evaluation>(evaluations: readonly E[]): RankedEvaluation<E>[] {
  const scored = evaluations.filter((e) => e.result?.score !== null && e.result?.score !== undefined);
  const unscored = evaluations.filter((e) => e.state === 'done' && (e.result?.score === null || e.result?.score === undefined));
  const running = evaluations.filter((e) => e.state === 'running');
  scored.sort((a, b) => b.result!.score! - a.result!.score! || a.step - b.step || a.id - b.id);
  const byId = (a: E, b: E) => a.id - b.id;
  return [
    ...scored.map((evaluation, i) => ({ rank: i + 1, evaluation })),
    ...unscored.sort(byId).map((evaluation) => ({ rank: null, evaluation })),
    ...running.sort(byId).map((evaluation) => ({ rank: null, evaluation })),
  ];
}
