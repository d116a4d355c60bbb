/**
 * What a study report needs of a series (core/study-report.ts `summarizeSeries`) without its
 * points: the last point that is not NaN, and the first point (in step order) of the lowest and
 * of the highest value. The store computes it for many jobs in one read
 * (`MetricStore.seriesExtremesOfJobs`); the report picks `min` or `max` by the metric's mode.
 * Pure.
 */

export interface ExtremePoint {
  readonly step: number;
  readonly value: number;
}

/** A series' last non-NaN point and its first lowest and first highest points; null when it has no non-NaN point. */
export interface SeriesExtremes {
  readonly final: ExtremePoint | null;
  readonly min: ExtremePoint | null;
  readonly max: ExtremePoint | null;
}

export const NO_EXTREMES: SeriesExtremes = Object.freeze({ final: null, min: null, max: null });

/**
 * The extremes of points sorted by step (equal steps in the order the store reads them). NaN
 * values are skipped; a later point that only equals the lowest (or highest) does not replace
 * it, as `summarizeSeries` keeps the first best.
 */
export function seriesExtremes(steps: ArrayLike<number>, values: ArrayLike<number>): SeriesExtremes {
  let final: ExtremePoint | null = null;
  let min: ExtremePoint | null = null;
  let max: ExtremePoint | null = null;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (Number.isNaN(value)) continue;
    final = { step: steps[i], value };
    if (min === null || value < min.value) min = final;
    if (max === null || value > max.value) max = final;
  }
  return final === null ? NO_EXTREMES : { final, min, max };
}
