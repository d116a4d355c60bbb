/**
 * Field statistics in constant memory: per text field, counts and character lengths; per row,
 * estimated tokens (with a log-scale histogram for percentiles); roles counted. Pure.
 */
import type { ReportStats, TokenStats } from '../../core/datasets.ts';
import type { RowContent } from '../formats/format.ts';

/** Histogram bins per doubling of the token count: percentiles within ~9 %. */
const SUB_BINS = 8;
const BINS = 40 * SUB_BINS;

interface FieldAcc {
  count: number;
  empty: number;
  min: number;
  max: number;
  sum: number;
}

export interface StatsAccumulator {
  /** Adds a row; returns its estimated tokens. */
  add(row: RowContent): number;
  result(): ReportStats;
}

/** Tokens of `chars` characters at `charsPerToken`. */
export function estimateTokens(chars: number, charsPerToken: number): number {
  return Math.ceil(chars / charsPerToken);
}

export function createStatsAccumulator(charsPerToken: number): StatsAccumulator {
  const fields = new Map<string, FieldAcc>();
  const roles = new Map<string, number>();
  const histogram = new Float64Array(BINS);
  let rows = 0;
  let tokMin = Infinity;
  let tokMax = 0;
  let tokSum = 0;

  return {
    add(row) {
      let chars = 0;
      for (const part of row.parts) {
        const len = part.text.length;
        chars += len;
        let acc = fields.get(part.field);
        if (!acc) fields.set(part.field, (acc = { count: 0, empty: 0, min: Infinity, max: 0, sum: 0 }));
        acc.count++;
        acc.sum += len;
        if (len < acc.min) acc.min = len;
        if (len > acc.max) acc.max = len;
        if (len === 0 || (len < 64 && part.text.trim().length === 0)) acc.empty++;
      }
      if (row.roles) for (const r of row.roles) roles.set(r, (roles.get(r) ?? 0) + 1);
      const tokens = estimateTokens(chars, charsPerToken);
      rows++;
      tokSum += tokens;
      if (tokens < tokMin) tokMin = tokens;
      if (tokens > tokMax) tokMax = tokens;
      histogram[binOf(tokens)]++;
      return tokens;
    },

    result() {
      const tokens: TokenStats | null = rows === 0 ? null : {
        min: tokMin,
        max: tokMax,
        mean: Math.round((tokSum / rows) * 10) / 10,
        p50: Math.min(tokMax, percentile(histogram, rows, 0.5)),
        p95: Math.min(tokMax, percentile(histogram, rows, 0.95)),
        total: tokSum,
      };
      return {
        fields: [...fields].map(([field, a]) => ({
          field,
          count: a.count,
          empty: a.empty,
          minChars: a.count === 0 ? 0 : a.min,
          maxChars: a.max,
          meanChars: a.count === 0 ? 0 : Math.round((a.sum / a.count) * 10) / 10,
        })),
        tokens,
        roles: Object.fromEntries(roles),
      };
    },
  };
}

function binOf(tokens: number): number {
  if (tokens < 1) return 0;
  const bin = Math.floor(Math.log2(tokens) * SUB_BINS) + 1;
  return Math.min(BINS - 1, bin);
}

/** The upper edge of the bin holding quantile q. */
function percentile(histogram: Float64Array, total: number, q: number): number {
  const target = q * total;
  let seen = 0;
  for (let bin = 0; bin < histogram.length; bin++) {
    seen += histogram[bin];
    if (seen >= target) return bin === 0 ? 0 : Math.round(2 ** (bin / SUB_BINS));
  }
  return 0;
}
