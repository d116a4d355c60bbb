/** Pure helpers over series summaries: a series row as a summary, and summaries combined. */
import type { ChunkSummary } from '../../core/metrics/chunk-codec.ts';
import type { SeriesInfo } from '../../core/types.ts';
import type { SeriesRow } from './metric-sql.ts';
import { valueFromColumn } from './rows.ts';

export function seriesSummary(row: Pick<SeriesRow, 'count' | 'first_step' | 'last_step' | 'min' | 'max' | 'last_value'>): ChunkSummary {
  return {
    count: row.count,
    firstStep: row.first_step,
    lastStep: row.last_step,
    min: valueFromColumn(row.min),
    max: valueFromColumn(row.max),
    lastValue: valueFromColumn(row.last_value),
  };
}

/** Summary of old points followed by newer ones (the newer win ties for the last value). */
export function combineSummaries(old: ChunkSummary, added: ChunkSummary): ChunkSummary {
  const newer = added.lastStep >= old.lastStep;
  return {
    count: old.count + added.count,
    firstStep: Math.min(old.firstStep, added.firstStep),
    lastStep: newer ? added.lastStep : old.lastStep,
    lastValue: newer ? added.lastValue : old.lastValue,
    min: nanMin(old.min, added.min),
    max: nanMax(old.max, added.max),
  };
}

export function seriesInfo(key: string, s: ChunkSummary): SeriesInfo {
  return { key, count: s.count, firstStep: s.firstStep, lastStep: s.lastStep, lastValue: s.lastValue, min: s.min, max: s.max };
}

function nanMin(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b);
}

function nanMax(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b);
}
