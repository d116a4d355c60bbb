/**
 * How an evaluation reads in a leaderboard: signed deltas, relative changes, which way a change
 * went for the metric's goal, what a threshold asks, and whether "promote anyway" applies. Pure.
 */
import { formatValue } from './format.ts';

type Goal = 'min' | 'max';

/** What the view reads of one metric's diff (the API's MetricDiff has it). */
export interface DiffLike {
  readonly metric: string;
  readonly goal: Goal;
  readonly value: number | null;
  readonly baseline: number | null;
  readonly absolute: number | null;
  readonly relative: number | null;
  readonly threshold: { readonly value?: { readonly lower?: number; readonly upper?: number }; readonly change?: { readonly absolute?: number; readonly relative?: number } };
  readonly failed: string | null;
}

/** "+0.7", "-0.1", "0"; "–" for null. */
export function formatSigned(x: number | null | undefined): string {
  if (x === null || x === undefined) return '–';
  if (x === 0) return '0';
  const text = formatValue(x);
  return x > 0 && Number.isFinite(x) ? `+${text}` : text;
}

/** "+70 %", "-10 %", "+0.5 %"; "" for null (no baseline, or a baseline of 0). */
export function formatChange(relative: number | null | undefined): string {
  if (relative === null || relative === undefined || !Number.isFinite(relative)) return '';
  const pct = relative * 100;
  const digits = Math.abs(pct) >= 10 ? 0 : 1;
  const text = Number(pct.toFixed(digits));
  return `${text > 0 ? '+' : ''}${text} %`;
}

/** Whether a change went the better way for the goal: 'better', 'worse', or 'same'; null without a change. */
export function direction(goal: Goal, absolute: number | null): 'better' | 'worse' | 'same' | null {
  if (absolute === null || !Number.isFinite(absolute)) return null;
  if (absolute === 0) return 'same';
  return (goal === 'max') === absolute > 0 ? 'better' : 'worse';
}

/** What a metric's thresholds ask, in a few words: "≥ 0.8; change ≤ -20 %"; "" when none. */
export function describeThreshold(diff: Pick<DiffLike, 'goal' | 'threshold'>): string {
  const parts: string[] = [];
  const v = diff.threshold.value;
  if (v?.lower !== undefined) parts.push(`≥ ${formatValue(v.lower)}`);
  if (v?.upper !== undefined) parts.push(`≤ ${formatValue(v.upper)}`);
  const c = diff.threshold.change;
  const cmp = diff.goal === 'max' ? '≥' : '≤';
  if (c?.absolute !== undefined) parts.push(`change ${cmp} ${formatSigned(c.absolute)}`);
  if (c?.relative !== undefined) parts.push(`change ${cmp} ${formatChange(c.relative)}`);
  return parts.join('; ');
}

/** What "promote anyway" needs: a finished evaluation that is not promotable and was not overridden. */
export function canOverride(evaluation: { readonly state: string; readonly promotable: boolean; readonly override: unknown }): boolean {
  return evaluation.state === 'done' && !evaluation.promotable && evaluation.override === null;
}

/**
 * The diff of `metric` in an evaluation's result; for a result without one (an older record),
 * a diff made from its value and the board's baseline.
 */
export function diffFor(metric: { readonly name: string; readonly goal: Goal }, diffs: readonly DiffLike[], values: Readonly<Record<string, number>>, baseline: Readonly<Record<string, number>> | null): DiffLike {
  const found = diffs.find((d) => d.metric === metric.name);
  if (found) return found;
  const value = values[metric.name] ?? null;
  const base = baseline?.[metric.name] ?? null;
  const absolute = value !== null && base !== null ? value - base : null;
  const relative = absolute !== null && base !== 0 && base !== null ? absolute / Math.abs(base) : null;
  return { metric: metric.name, goal: metric.goal, value, baseline: base, absolute, relative, threshold: {}, failed: null };
}
