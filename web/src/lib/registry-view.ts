/** How registry records read: a promotion rule in words, an alias move as "v1 → v2". Pure. */
import { formatValue } from './format.ts';

export interface RuleLike {
  readonly alias: string;
  readonly margin: number;
  readonly relative: boolean;
  readonly suite?: string | null;
  readonly jobTag?: string | null;
}

/**
 * "production when the score beats it by 0.05 (suite heldout, jobs tagged nightly)";
 * "manual only" without a rule.
 */
export function describeRule(rule: RuleLike | null): string {
  if (!rule) return 'manual only';
  const margin = rule.margin === 0 ? 'beats it' : `beats it by ${rule.relative ? `${Number((rule.margin * 100).toFixed(2))} %` : formatValue(rule.margin)}`;
  const scope = [rule.suite ? `suite ${rule.suite}` : null, rule.jobTag ? `jobs tagged ${rule.jobTag}` : null].filter(Boolean);
  return `${rule.alias} when the score ${margin}${scope.length > 0 ? ` (${scope.join(', ')})` : ''}`;
}

/** "v1 → v2", "unset → v1", "v2 → deleted". */
export function describeMove(from: number | null, to: number | null): string {
  return `${from === null ? 'unset' : `v${from}`} → ${to === null ? 'deleted' : `v${to}`}`;
}

