/**
 * A metric series as the charts hold it: x (steps) with a line, and for bucketed reads the
 * min/max band around it. Converts the API's two response shapes, appends live points, and
 * merges a finer read of a zoomed range into a coarser read of the whole.
 */
import type { BucketedSeriesResponse, SeriesPointsResponse, SeriesResponse } from '../api/http.ts';

/** One series ready to draw. `min`/`max` are null when every point is raw. */
export interface ChartSeries {
  readonly x: number[];
  readonly line: (number | null)[];
  readonly min: (number | null)[] | null;
  readonly max: (number | null)[] | null;
}

/** `GET /jobs/:id/metrics/:key`: raw points, or min/max/last per bucket. */
export type { SeriesResponse };

/** What `fromResponse` reads of a SeriesResponse. */
export type SeriesColumns =
  | Pick<SeriesPointsResponse, 'bucketed' | 'steps' | 'values'>
  | Pick<BucketedSeriesResponse, 'bucketed' | 'steps' | 'min' | 'max' | 'last'>;

export const EMPTY_SERIES: ChartSeries = Object.freeze({ x: [], line: [], min: null, max: null }) as ChartSeries;

/** JSON carries NaN and ±∞ as strings; a chart draws neither. */
export function toNumber(v: number | string | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function fromResponse(r: SeriesColumns): ChartSeries {
  if (r.bucketed) {
    return { x: r.steps.slice(), line: r.last.map(toNumber), min: r.min.map(toNumber), max: r.max.map(toNumber) };
  }
  return { x: r.steps.slice(), line: r.values.map(toNumber), min: null, max: null };
}

/**
 * Adds a live point. A step past the end is appended; a step at or before the end replaces
 * everything from that step on (a run resumed from an earlier checkpoint rewrites history).
 */
export function appendPoint(s: ChartSeries, step: number, value: number | null): ChartSeries {
  let keep = s.x.length;
  while (keep > 0 && s.x[keep - 1] >= step) keep--;
  const v = toNumber(value);
  return {
    x: [...s.x.slice(0, keep), step],
    line: [...s.line.slice(0, keep), v],
    min: s.min ? [...s.min.slice(0, keep), v] : null,
    max: s.max ? [...s.max.slice(0, keep), v] : null,
  };
}

/**
 * The points of `coarse` outside [from, to] around all of `fine` (a finer read of that range).
 * The band columns exist when either side has them; raw points fill both ends of the band.
 */
export function mergeRange(coarse: ChartSeries, fine: ChartSeries, from: number, to: number): ChartSeries {
  const banded = coarse.min !== null || fine.min !== null;
  const x: number[] = [];
  const line: (number | null)[] = [];
  const min: (number | null)[] = [];
  const max: (number | null)[] = [];
  const take = (s: ChartSeries, i: number) => {
    x.push(s.x[i]);
    line.push(s.line[i]);
    min.push(s.min ? s.min[i] : s.line[i]);
    max.push(s.max ? s.max[i] : s.line[i]);
  };
  for (let i = 0; i < coarse.x.length && coarse.x[i] < from; i++) take(coarse, i);
  for (let i = 0; i < fine.x.length; i++) take(fine, i);
  for (let i = 0; i < coarse.x.length; i++) if (coarse.x[i] > to && (fine.x.length === 0 || coarse.x[i] > fine.x[fine.x.length - 1])) take(coarse, i);
  return { x, line, min: banded ? min : null, max: banded ? max : null };
}

/** For a log-scale axis: values that are not positive become gaps. */
export function positiveOnly(values: readonly (number | null)[]): (number | null)[] {
  return values.map((v) => (v !== null && v > 0 ? v : null));
}

/** The x range a series covers, or null when empty. */
export function extent(s: ChartSeries): [number, number] | null {
  return s.x.length === 0 ? null : [s.x[0], s.x[s.x.length - 1]];
}
