/** Pure helpers over columnar points: validation, stable sorting, merging, range filtering. */
import { ValidationError } from '../../core/errors.ts';
import type { DecodedPoints } from '../../core/metrics/chunk-codec.ts';
import type { SeriesPoints } from '../../core/types.ts';

/**
 * Copies a batch's points of one key into Float64Arrays sorted by step (stable, so equal steps
 * keep their arrival order). Throws `ValidationError` on ragged columns, non-finite steps or
 * times.
 */
export function toSortedColumns(key: string, p: SeriesPoints): DecodedPoints {
  return toSortedBatch([[key, p]])[0][1];
}

/**
 * `toSortedColumns` of every non-empty key of a batch, all copied into one allocation (a
 * typed array costs far more to allocate than to fill at SDK batch sizes).
 */
export function toSortedBatch(series: Iterable<readonly [string, SeriesPoints]>): [string, DecodedPoints][] {
  let total = 0;
  const keys: [string, SeriesPoints][] = [];
  for (const [key, p] of series) {
    const n = p.steps.length;
    if (p.values.length !== n || p.times.length !== n) {
      throw new ValidationError('steps, values and times must have the same length', `series.${key}`);
    }
    if (n === 0) continue;
    keys.push([key, p]);
    total += n;
  }
  const store = new Float64Array(total * 3);
  const out: [string, DecodedPoints][] = [];
  let at = 0;
  for (const [key, p] of keys) {
    const n = p.steps.length;
    const steps = copyColumn(p.steps, store, at);
    const values = copyColumn(p.values, store, at + n);
    const times = copyColumn(p.times, store, at + 2 * n);
    at += 3 * n;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(steps[i])) throw new ValidationError('must be finite', `series.${key}.steps[${i}]`);
      if (!Number.isFinite(times[i])) throw new ValidationError('must be finite', `series.${key}.times[${i}]`);
    }
    out.push([key, isSorted(steps) ? { steps, values, times } : permute({ steps, values, times }, stableOrder(steps))]);
  }
  return out;
}

/** Copies a column into `store` at `at`; returns the view of the copy. */
function copyColumn(column: ArrayLike<number>, store: Float64Array, at: number): Float64Array {
  const view = store.subarray(at, at + column.length);
  if (column instanceof Float64Array) view.set(column);
  else for (let i = 0; i < view.length; i++) view[i] = column[i];
  return view;
}

export function isSorted(steps: ArrayLike<number>): boolean {
  for (let i = 1; i < steps.length; i++) if (steps[i] < steps[i - 1]) return false;
  return true;
}

/** Sorted by step (a copy unless already sorted), keeping the given order among equal steps. */
export function sortByStep(p: DecodedPoints): DecodedPoints {
  return isSorted(p.steps) ? p : permute(p, stableOrder(p.steps));
}

function stableOrder(steps: Float64Array): Uint32Array {
  const order = new Uint32Array(steps.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => steps[a] - steps[b] || a - b);
}

function permute(p: DecodedPoints, order: Uint32Array): DecodedPoints {
  const n = order.length;
  const steps = new Float64Array(n);
  const values = new Float64Array(n);
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const j = order[i];
    steps[i] = p.steps[j];
    values[i] = p.values[j];
    times[i] = p.times[j];
  }
  return { steps, values, times };
}

/** Merges two step-sorted sets; on equal steps the points of `a` come first. */
export function mergeSorted(a: DecodedPoints, b: DecodedPoints): DecodedPoints {
  const n = a.steps.length + b.steps.length;
  if (a.steps.length === 0 || b.steps.length === 0 || b.steps[0] >= a.steps[a.steps.length - 1]) {
    return concatColumns([a, b]);
  }
  const steps = new Float64Array(n);
  const values = new Float64Array(n);
  const times = new Float64Array(n);
  let i = 0;
  let j = 0;
  for (let k = 0; k < n; k++) {
    const fromA = j >= b.steps.length || (i < a.steps.length && a.steps[i] <= b.steps[j]);
    const src = fromA ? a : b;
    const at = fromA ? i++ : j++;
    steps[k] = src.steps[at];
    values[k] = src.values[at];
    times[k] = src.times[at];
  }
  return { steps, values, times };
}

/** The points with `from <= step <= to`, order kept. Returns `p` itself when all qualify. */
export function filterRange(p: DecodedPoints, from: number, to: number): DecodedPoints {
  const { steps } = p;
  let keep = 0;
  for (let i = 0; i < steps.length; i++) if (steps[i] >= from && steps[i] <= to) keep++;
  if (keep === steps.length) return p;
  const out = { steps: new Float64Array(keep), values: new Float64Array(keep), times: new Float64Array(keep) };
  for (let i = 0, k = 0; i < steps.length; i++) {
    if (steps[i] >= from && steps[i] <= to) {
      out.steps[k] = steps[i];
      out.values[k] = p.values[i];
      out.times[k] = p.times[i];
      k++;
    }
  }
  return out;
}

/** Concatenates parts in order. */
export function concatColumns(parts: readonly DecodedPoints[]): DecodedPoints {
  if (parts.length === 1) return parts[0];
  const n = parts.reduce((sum, part) => sum + part.steps.length, 0);
  const out = { steps: new Float64Array(n), values: new Float64Array(n), times: new Float64Array(n) };
  let offset = 0;
  for (const part of parts) {
    out.steps.set(part.steps, offset);
    out.values.set(part.values, offset);
    out.times.set(part.times, offset);
    offset += part.steps.length;
  }
  return out;
}
