/**
 * Downsampling of a series into N equal step ranges ("buckets"), from chunk summaries where a
 * chunk lies inside one bucket and from decoded points where it straddles an edge.
 *
 * Buckets over `[from, to]` with width w = (to - from) / N: bucket i holds the steps with
 * floor((step - from) / w) = i, and the last bucket also holds `to` itself. When from = to
 * there is one bucket. `bucketOf` is monotonic in step, so a chunk whose first and last steps
 * fall in the same bucket has all its points there and its summary can stand for them.
 *
 * Per bucket: min and max ignore NaN values (NaN when all are NaN), `last` is the value at the
 * bucket's highest step; among points with equal steps the one from the input with the higher
 * `order` (then the later position) wins.
 */
import { ValidationError } from '../errors.ts';
import type { BucketedSeries, SeriesPoints } from '../types.ts';
import type { ChunkSummary } from './chunk-codec.ts';

/** Upper bound on `buckets`, to keep a request from allocating without limit. */
export const MAX_BUCKETS = 100_000;

/** Invalid bucket request: bucket count out of range, or an empty or non-finite step range. */
export class BucketRangeError extends ValidationError {}

export interface BucketLayout {
  readonly from: number;
  readonly to: number;
  readonly buckets: number;
  readonly width: number;
}

/** Throws `BucketRangeError` unless buckets is an integer in [1, MAX_BUCKETS]. */
export function checkBucketCount(buckets: number): void {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS) {
    throw new BucketRangeError(`must be an integer in [1, ${MAX_BUCKETS}], got ${buckets}`, 'buckets');
  }
}

/** Throws `BucketRangeError` unless `checkBucketCount` passes and from <= to, both finite. */
export function createBucketLayout(from: number, to: number, buckets: number): BucketLayout {
  checkBucketCount(buckets);
  if (!Number.isFinite(from) || !Number.isFinite(to) || from > to) {
    throw new BucketRangeError(`invalid step range [${from}, ${to}]`, 'range');
  }
  return { from, to, buckets, width: (to - from) / buckets };
}

/** Bucket index of a step in `[from, to]`. */
export function bucketOf(layout: BucketLayout, step: number): number {
  if (layout.width === 0) return 0;
  const i = Math.floor((step - layout.from) / layout.width);
  return i < 0 ? 0 : i >= layout.buckets ? layout.buckets - 1 : i;
}

/** True when every point of the chunk lies in `[from, to]` and in one bucket. */
export function fitsOneBucket(layout: BucketLayout, chunk: Pick<ChunkSummary, 'firstStep' | 'lastStep'>): boolean {
  return (
    chunk.firstStep >= layout.from &&
    chunk.lastStep <= layout.to &&
    bucketOf(layout, chunk.firstStep) === bucketOf(layout, chunk.lastStep)
  );
}

export type StepsAndValues = Pick<SeriesPoints, 'steps' | 'values'>;

export interface BucketAccumulator {
  /** Adds a whole chunk; it must satisfy `fitsOneBucket`. */
  addSummary(summary: ChunkSummary, order: number): void;
  /** Adds points in any order; points outside `[from, to]` are skipped. Times are not used. */
  addPoints(points: StepsAndValues, order: number): void;
  /** Same as `addPoints` for points sorted by step, with a binary search per bucket edge. */
  addSortedPoints(points: StepsAndValues, order: number): void;
  /** The non-empty buckets, by step. */
  result(key: string): BucketedSeries;
}

export function createBucketAccumulator(layout: BucketLayout): BucketAccumulator {
  const { from, to, buckets } = layout;
  const min = new Float64Array(buckets).fill(Infinity);
  const max = new Float64Array(buckets).fill(-Infinity);
  const lastStep = new Float64Array(buckets).fill(-Infinity);
  const last = new Float64Array(buckets).fill(NaN);
  const lastOrder = new Float64Array(buckets).fill(-Infinity);
  const count = new Float64Array(buckets);
  // NaN-only chunks/points leave min at +Infinity; this tells them from a real +Infinity min.
  const hasNumber = new Uint8Array(buckets);

  function takeLast(b: number, step: number, value: number, order: number): void {
    if (step > lastStep[b] || (step === lastStep[b] && order >= lastOrder[b])) {
      lastStep[b] = step;
      last[b] = value;
      lastOrder[b] = order;
    }
  }

  /** Adds points [start, end) of a step-sorted input, all in bucket b. */
  function addRun(b: number, steps: ArrayLike<number>, values: ArrayLike<number>, start: number, end: number, order: number): void {
    let lo = min[b];
    let hi = max[b];
    let numbers = false;
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (v === v) {
        numbers = true;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    count[b] += end - start;
    if (numbers) {
      hasNumber[b] = 1;
      min[b] = lo;
      max[b] = hi;
    }
    // Sorted, so the run's last point has its highest step (and is the latest among equals).
    takeLast(b, steps[end - 1], values[end - 1], order + (end - 1) / (steps.length + 1));
  }

  /** First index in [lo, hi) whose step satisfies `beyond`, by binary search (hi if none). */
  function firstWhere(steps: ArrayLike<number>, lo: number, hi: number, beyond: (step: number) => boolean): number {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (beyond(steps[mid])) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  return {
    addSummary(s, order) {
      const b = bucketOf(layout, s.firstStep);
      count[b] += s.count;
      if (!Number.isNaN(s.min)) {
        hasNumber[b] = 1;
        if (s.min < min[b]) min[b] = s.min;
        if (s.max > max[b]) max[b] = s.max;
      }
      takeLast(b, s.lastStep, s.lastValue, order);
    },

    addPoints(points, order) {
      const { steps, values } = points;
      for (let i = 0; i < steps.length; i++) {
        const step = steps[i];
        if (!(step >= from && step <= to)) continue;
        addRun(bucketOf(layout, step), steps, values, i, i + 1, order);
      }
    },

    addSortedPoints(points, order) {
      const { steps, values } = points;
      let start = firstWhere(steps, 0, steps.length, (s) => s >= from);
      const end = firstWhere(steps, start, steps.length, (s) => s > to);
      while (start < end) {
        const b = bucketOf(layout, steps[start]);
        const runEnd = firstWhere(steps, start + 1, end, (s) => bucketOf(layout, s) > b);
        addRun(b, steps, values, start, runEnd, order);
        start = runEnd;
      }
    },

    result(key) {
      const out: BucketedSeries = { key, steps: [], min: [], max: [], last: [], count: [] };
      for (let b = 0; b < buckets; b++) {
        if (count[b] === 0) continue;
        out.steps.push(lastStep[b]);
        out.min.push(hasNumber[b] ? min[b] : NaN);
        out.max.push(hasNumber[b] ? max[b] : NaN);
        out.last.push(last[b]);
        out.count.push(count[b]);
      }
      return out;
    },
  };
}

/** One input of `downsample`: a chunk summary (inside one bucket) or decoded points. */
export type BucketInput =
  | { readonly summary: ChunkSummary; readonly order: number }
  | { readonly points: StepsAndValues; readonly order: number; readonly sorted?: boolean };

/** Downsamples a set of inputs at once; see `createBucketAccumulator` to stream them. */
export function downsample(key: string, layout: BucketLayout, inputs: Iterable<BucketInput>): BucketedSeries {
  const acc = createBucketAccumulator(layout);
  for (const input of inputs) {
    if ('summary' in input) acc.addSummary(input.summary, input.order);
    else if (input.sorted) acc.addSortedPoints(input.points, input.order);
    else acc.addPoints(input.points, input.order);
  }
  return acc.result(key);
}
