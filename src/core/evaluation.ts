/**
 * Judging an evaluation: each metric of a suite against its thresholds and a baseline, a
 * verdict that always says why, a composite score, and the regression alarm. Pure.
 *
 * Thresholds follow TFMA/MLflow: a value threshold bounds the metric itself; a change threshold
 * bounds its change against the baseline, in the metric's better direction:
 * - higher is better (`max`): passes when `value - baseline >= absolute` and
 *   `(value - baseline) / |baseline| >= relative` (so `absolute: -0.01` allows a drop of 0.01);
 * - lower is better (`min`): passes when `value - baseline <= absolute` and
 *   `(value - baseline) / |baseline| <= relative` (so `relative: 0.05` allows 5 % worse).
 *
 * Composite score: the weighted mean of each metric's value, signed so that higher is better:
 * `Σ wᵢ · sᵢ · vᵢ / Σ wᵢ` with `sᵢ = +1` for `max` and `-1` for `min`, over the metrics with a
 * weight (default weight 1 when no metric has one). Comparable between results of one suite.
 */

export type MetricGoal = 'min' | 'max';

export interface ValueThreshold {
  readonly lower?: number;
  readonly upper?: number;
}

export interface ChangeThreshold {
  readonly absolute?: number;
  readonly relative?: number;
}

export interface SuiteMetric {
  readonly name: string;
  readonly goal: MetricGoal;
  readonly value?: ValueThreshold;
  readonly change?: ChangeThreshold;
  /** Weight in the composite score. Default: none (1 for all when no metric has one). */
  readonly weight?: number;
}

export type Verdict = 'pass' | 'fail' | 'no-baseline';

export interface MetricDiff {
  readonly metric: string;
  readonly goal: MetricGoal;
  /** null when the evaluation did not report it. */
  readonly value: number | null;
  readonly baseline: number | null;
  /** value - baseline; null without both. */
  readonly absolute: number | null;
  /** (value - baseline) / |baseline|; null without both or when the baseline is 0. */
  readonly relative: number | null;
  readonly threshold: { readonly value?: ValueThreshold; readonly change?: ChangeThreshold };
  /** Why this metric failed ("accuracy 0.71 is below the lower bound 0.8"); null when it passed. */
  readonly failed: string | null;
}

export interface Judgement {
  /**
   * `fail` when a metric failed a bound (or is missing); else `no-baseline` when change
   * thresholds exist but there was nothing to compare with (a first run); else `pass`.
   */
  readonly verdict: Verdict;
  readonly diffs: readonly MetricDiff[];
  /** One line a person reads: the failures, or "all N metrics within their thresholds". */
  readonly summary: string;
}

export function judge(metrics: readonly SuiteMetric[], values: Readonly<Record<string, number>>, baseline: Readonly<Record<string, number>> | null): Judgement {
  const diffs = metrics.map((m) => diffOf(m, values[m.name] ?? null, baseline?.[m.name] ?? null));
  const failures = diffs.filter((d) => d.failed !== null);
  const needsBaseline = metrics.some((m) => m.change !== undefined);
  const missingBaseline = needsBaseline && diffs.some((d, i) => metrics[i].change !== undefined && d.baseline === null);
  const verdict: Verdict = failures.length > 0 ? 'fail' : missingBaseline ? 'no-baseline' : 'pass';
  const summary = failures.length > 0
    ? failures.map((d) => d.failed).join('; ')
    : missingBaseline
      ? `no baseline to compare ${metrics.filter((m) => m.change).map((m) => m.name).join(', ')} with; value bounds held`
      : `all ${metrics.length} metric${metrics.length === 1 ? '' : 's'} within their thresholds`;
  return { verdict, diffs, summary };
}

function diffOf(metric: SuiteMetric, value: number | null, baseline: number | null): MetricDiff {
  const absolute = value !== null && baseline !== null ? value - baseline : null;
  const relative = absolute !== null && baseline !== 0 && baseline !== null ? absolute / Math.abs(baseline) : null;
  const base = { metric: metric.name, goal: metric.goal, value, baseline, absolute, relative, threshold: { value: metric.value, change: metric.change } };
  return { ...base, failed: failureOf(metric, value, baseline, absolute, relative) };
}

function failureOf(m: SuiteMetric, value: number | null, baseline: number | null, absolute: number | null, relative: number | null): string | null {
  if (value === null || Number.isNaN(value)) return `${m.name} was not reported`;
  if (m.value?.lower !== undefined && value < m.value.lower) return `${m.name} ${fmt(value)} is below the lower bound ${fmt(m.value.lower)}`;
  if (m.value?.upper !== undefined && value > m.value.upper) return `${m.name} ${fmt(value)} is above the upper bound ${fmt(m.value.upper)}`;
  if (m.change === undefined || baseline === null || absolute === null) return null;
  const better = m.goal === 'max' ? 'higher' : 'lower';
  const worse = (change: number, bound: number) => (m.goal === 'max' ? change < bound : change > bound);
  if (m.change.absolute !== undefined && worse(absolute, m.change.absolute)) {
    return `${m.name} ${fmt(value)} changed by ${signed(absolute)} against the baseline ${fmt(baseline)}; ${better} is better and the change bound is ${signed(m.change.absolute)}`;
  }
  if (m.change.relative !== undefined && relative !== null && worse(relative, m.change.relative)) {
    return `${m.name} ${fmt(value)} changed by ${signed(relative * 100)} % against the baseline ${fmt(baseline)}; ${better} is better and the change bound is ${signed(m.change.relative * 100)} %`;
  }
  return null;
}

/** The composite score (see the file comment); null when a weighted metric is missing. */
export function compositeScore(metrics: readonly SuiteMetric[], values: Readonly<Record<string, number>>): number | null {
  const weighted = metrics.some((m) => m.weight !== undefined) ? metrics.filter((m) => (m.weight ?? 0) > 0) : metrics;
  if (weighted.length === 0) return null;
  let sum = 0;
  let total = 0;
  for (const m of weighted) {
    const v = values[m.name];
    if (v === undefined || !Number.isFinite(v)) return null;
    const w = m.weight ?? 1;
    sum += w * (m.goal === 'max' ? v : -v);
    total += w;
  }
  return sum / total;
}

/** Default of `RegressionRule.tolerance`: 15 % worse than the best so far raises the alarm. */
export const REGRESSION_TOLERANCE = 0.15;

export interface Regression {
  readonly metric: string;
  readonly value: number;
  readonly best: number;
  /** How much worse, relative to |best| (0.2 = 20 % worse). */
  readonly worseBy: number;
  readonly detail: string;
}

/**
 * The regression alarm: each metric worse than `reference` (the best so far, or the alias the
 * candidate would replace) by more than `tolerance` of |reference|. Empty when none is.
 */
export function regressions(metrics: readonly SuiteMetric[], values: Readonly<Record<string, number>>, reference: Readonly<Record<string, number>>, tolerance = REGRESSION_TOLERANCE): Regression[] {
  const found: Regression[] = [];
  for (const m of metrics) {
    const value = values[m.name];
    const best = reference[m.name];
    if (value === undefined || best === undefined || !Number.isFinite(value) || !Number.isFinite(best)) continue;
    const worse = m.goal === 'min' ? value - best : best - value;
    const scale = Math.abs(best) || 1;
    if (worse / scale > tolerance) {
      const worseBy = worse / scale;
      found.push({ metric: m.name, value, best, worseBy, detail: `${m.name} ${fmt(value)} is ${(worseBy * 100).toFixed(1)} % worse than the best ${fmt(best)} (tolerance ${(tolerance * 100).toFixed(0)} %)` });
    }
  }
  return found;
}

/** The best value of each metric over earlier results, in the metric's direction. */
export function bestSoFar(metrics: readonly SuiteMetric[], results: ReadonlyArray<Readonly<Record<string, number>>>): Record<string, number> {
  const best: Record<string, number> = {};
  for (const m of metrics) {
    for (const r of results) {
      const v = r[m.name];
      if (v === undefined || !Number.isFinite(v)) continue;
      if (best[m.name] === undefined || (m.goal === 'min' ? v < best[m.name] : v > best[m.name])) best[m.name] = v;
    }
  }
  return best;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : Number(x.toPrecision(4)).toString();
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${fmt(x)}`;
}
