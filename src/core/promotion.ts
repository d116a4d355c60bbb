/**
 * The promotion rule of a model, as a pure decision: should an evaluated checkpoint replace the
 * version an alias points at? `registry/promotion.ts` gathers the inputs and carries it out.
 *
 * A candidate is promoted when, in this order:
 * 1. it raised no regression alarm (`core/evaluation.ts` `regressions`);
 * 2. its evaluation did not fail (verdict `fail`);
 * 3. it has a composite score (`compositeScore`);
 * 4. the alias points at nothing yet, or its version has a composite score and the candidate's
 *    beats it by more than the margin: `candidate > current + margin` (absolute), or
 *    `candidate > current + margin × |current|` (relative).
 * A candidate that is the alias's version already is not promoted again. Every decision says why.
 */
import type { Regression, Verdict } from './evaluation.ts';
import type { PromotionRule } from './registry.ts';

/** The defaults of a rule's fields. */
export const DEFAULT_PROMOTION_RULE: PromotionRule = Object.freeze({ alias: 'production', margin: 0, relative: false });

export interface PromotionCandidate {
  readonly checkpointId: number;
  /** Its evaluation's composite score; null when it has none. */
  readonly score: number | null;
  /** Its evaluation's verdict; null when unknown. A `fail` is never promoted. */
  readonly verdict: Verdict | null;
  /**
   * What the regression alarm found (`Regression`s, or anything with a `detail` line); any
   * one blocks promotion.
   */
  readonly regressions: readonly Pick<Regression, 'detail'>[];
}

/** The version the alias points at now. */
export interface PromotionIncumbent {
  readonly version: number;
  readonly checkpointId: number;
  /** Its composite score on the same suite; null when it has none. */
  readonly score: number | null;
}

export interface PromotionDecision {
  readonly promote: boolean;
  /** One line a person reads; recorded as the alias move's reason when it promotes. */
  readonly reason: string;
  /** The score the candidate had to beat; null when there was none. */
  readonly threshold: number | null;
}

export function shouldPromote(rule: PromotionRule, candidate: PromotionCandidate, current: PromotionIncumbent | null): PromotionDecision {
  const alias = rule.alias;
  const no = (reason: string, threshold: number | null = null): PromotionDecision => ({ promote: false, reason, threshold });
  if (current !== null && current.checkpointId === candidate.checkpointId) return no(`checkpoint ${candidate.checkpointId} is ${alias} already (version ${current.version})`);
  if (candidate.regressions.length > 0) return no(`regression alarm: ${candidate.regressions.map((r) => r.detail).join('; ')}`);
  if (candidate.verdict === 'fail') return no('its evaluation failed');
  if (candidate.score === null || !Number.isFinite(candidate.score)) return no('it has no composite score');
  if (current === null) return { promote: true, reason: `score ${fmt(candidate.score)}; ${alias} pointed at no version`, threshold: null };
  if (current.score === null || !Number.isFinite(current.score)) {
    return no(`${alias} (version ${current.version}) has no composite score to compare with: move it by hand`);
  }
  const margin = rule.relative ? rule.margin * Math.abs(current.score) : rule.margin;
  const threshold = current.score + margin;
  const beat = `${alias} (version ${current.version}) scores ${fmt(current.score)}, margin ${rule.relative ? `${fmt(rule.margin * 100)} %` : fmt(rule.margin)}`;
  if (candidate.score > threshold) return { promote: true, reason: `score ${fmt(candidate.score)} beats ${fmt(threshold)}: ${beat}`, threshold };
  return no(`score ${fmt(candidate.score)} does not beat ${fmt(threshold)}: ${beat}`, threshold);
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : Number(x.toPrecision(4)).toString();
}
