/**
 * Validation of a metric batch as it arrives over HTTP: the columnar form
 * `{series: {key: {steps, values, times?}}}` or the row form `{rows: [{step, time?, metrics}]}`.
 * Hand-written rather than a schema library because it runs over every point on the hot path;
 * errors name the field and index ("series.loss.values[3]").
 */
import { PayloadTooLargeError, ValidationError } from '../errors.ts';
import type { SeriesPoints } from '../types.ts';

export const BATCH_LIMITS = Object.freeze({
  /** Points in one batch. Default: 1,000,000 (about 20 MB of JSON). */
  maxPoints: 1_000_000,
  /** Keys in one batch. Default: 1,000. */
  maxKeys: 1_000,
  maxBatchIdLength: 200,
});

export const METRIC_KEY = /^[A-Za-z0-9_.\-/]{1,200}$/;

export interface ParsedBatch {
  readonly batchId: string | null;
  readonly series: Map<string, SeriesPoints>;
  readonly points: number;
  /** Highest step in the batch, or null when empty. */
  readonly maxStep: number | null;
  /** The value at the highest step of each key. */
  readonly latest: Record<string, { step: number; value: number }>;
}

export function parseMetricBatch(body: unknown, now: number): ParsedBatch {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('body must be a JSON object', null);
  const { batchId = null, series, rows, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) fail(`unknown field ${unknown[0]}`, unknown[0]);
  if (batchId !== null && (typeof batchId !== 'string' || batchId.length === 0 || batchId.length > BATCH_LIMITS.maxBatchIdLength)) {
    fail(`must be a string of 1 to ${BATCH_LIMITS.maxBatchIdLength} characters`, 'batchId');
  }
  if ((series === undefined) === (rows === undefined)) fail('give exactly one of series (columnar) or rows', null);
  const parsed = series !== undefined ? parseColumnar(series, now) : parseRows(rows, now);
  return { batchId: batchId as string | null, ...summarize(parsed) };
}

function parseColumnar(series: unknown, now: number): Map<string, SeriesPoints> {
  if (typeof series !== 'object' || series === null || Array.isArray(series)) fail('must be an object of key → {steps, values, times?}', 'series');
  // First the shapes, then the points: all columns go into one allocation (at SDK batch sizes
  // allocating a typed array costs more than filling it).
  const keys: Array<[key: string, steps: unknown[], values: unknown[], times: unknown[] | undefined]> = [];
  let total = 0;
  for (const [key, value] of Object.entries(series)) {
    const field = `series.${key}`;
    checkKey(key, field, keys.length);
    if (typeof value !== 'object' || value === null) fail('must be {steps, values, times?}', field);
    const { steps, values, times } = value as Record<string, unknown>;
    if (!Array.isArray(steps)) fail('must be an array', `${field}.steps`);
    if (!Array.isArray(values)) fail('must be an array', `${field}.values`);
    if (values.length !== steps.length) fail(`has ${values.length} entries, steps has ${steps.length}`, `${field}.values`);
    if (times !== undefined && (!Array.isArray(times) || times.length !== steps.length)) fail('must be an array as long as steps', `${field}.times`);
    total += steps.length;
    if (total > BATCH_LIMITS.maxPoints) throw tooManyPoints(total);
    keys.push([key, steps, values, times as unknown[] | undefined]);
  }
  const columns = new Float64Array(3 * total);
  const out = new Map<string, SeriesPoints>();
  let at = 0;
  for (const [key, steps, values, times] of keys) {
    const field = `series.${key}`;
    const n = steps.length;
    const s = columns.subarray(at, at + n);
    const v = columns.subarray(at + n, at + 2 * n);
    const t = columns.subarray(at + 2 * n, at + 3 * n);
    at += 3 * n;
    // The common case inline; a point that is not a plain number goes through the checks
    // (the field name is built only then: per point, it cost more than the parse).
    for (let i = 0; i < n; i++) {
      const step = steps[i];
      s[i] = typeof step === 'number' && Number.isFinite(step) ? step : toStep(step, `${field}.steps[${i}]`);
      const value = values[i];
      v[i] = typeof value === 'number' ? value : toValue(value, `${field}.values[${i}]`);
    }
    if (times === undefined) t.fill(now);
    else {
      for (let i = 0; i < n; i++) {
        const time = times[i];
        t[i] = typeof time === 'number' && Number.isInteger(time) && time >= 0 ? time : toTime(time, `${field}.times[${i}]`);
      }
    }
    if (n > 0) out.set(key, { steps: s, values: v, times: t });
  }
  return out;
}

function parseRows(rows: unknown, now: number): Map<string, SeriesPoints> {
  if (!Array.isArray(rows)) fail('must be an array of {step, time?, metrics}', 'rows');
  const columns = new Map<string, { steps: number[]; values: number[]; times: number[] }>();
  let total = 0;
  rows.forEach((row: unknown, i) => {
    const field = `rows[${i}]`;
    if (typeof row !== 'object' || row === null) fail('must be {step, time?, metrics}', field);
    const { step, time, metrics } = row as Record<string, unknown>;
    const s = toStep(step, `${field}.step`);
    const t = time === undefined ? now : toTime(time, `${field}.time`);
    if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) fail('must be an object of key → value', `${field}.metrics`);
    for (const [key, raw] of Object.entries(metrics)) {
      let column = columns.get(key);
      if (!column) {
        checkKey(key, `${field}.metrics.${key}`, columns.size);
        column = { steps: [], values: [], times: [] };
        columns.set(key, column);
      }
      if (++total > BATCH_LIMITS.maxPoints) throw tooManyPoints(total);
      column.steps.push(s);
      column.values.push(toValue(raw, `${field}.metrics.${key}`));
      column.times.push(t);
    }
  });
  return new Map([...columns].map(([key, c]) => [key, { steps: Float64Array.from(c.steps), values: Float64Array.from(c.values), times: Float64Array.from(c.times) }]));
}

function summarize(series: Map<string, SeriesPoints>): Omit<ParsedBatch, 'batchId'> {
  let points = 0;
  let maxStep: number | null = null;
  const latest: Record<string, { step: number; value: number }> = {};
  for (const [key, { steps, values }] of series) {
    points += steps.length;
    let best = 0;
    for (let i = 1; i < steps.length; i++) if (steps[i] >= steps[best]) best = i;
    latest[key] = { step: steps[best], value: values[best] };
    if (maxStep === null || steps[best] > maxStep) maxStep = steps[best];
  }
  return { series, points, maxStep, latest };
}

function checkKey(key: string, field: string, keysSoFar: number): void {
  if (!METRIC_KEY.test(key)) fail('metric keys are 1-200 characters of letters, digits and _ . - /', field);
  // Keys become properties of plain objects downstream (latest values of a job).
  if (key === '__proto__') fail('the metric key __proto__ is reserved', field);
  if (keysSoFar >= BATCH_LIMITS.maxKeys) {
    throw new PayloadTooLargeError(`a batch holds at most ${BATCH_LIMITS.maxKeys.toLocaleString('en-US')} keys; ${field} is key ${(keysSoFar + 1).toLocaleString('en-US')}: send the rest in another batch`);
  }
}

/** `atLeast`: the points counted when the limit was passed (parsing stops there). */
function tooManyPoints(atLeast: number): PayloadTooLargeError {
  const limit = BATCH_LIMITS.maxPoints.toLocaleString('en-US');
  return new PayloadTooLargeError(`a batch holds at most ${limit} points, this one has at least ${atLeast.toLocaleString('en-US')}: split it into smaller batches`);
}

function toStep(x: unknown, field: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) fail('steps must be finite numbers', field);
  return x;
}

function toTime(x: unknown, field: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) fail('times must be epoch milliseconds', field);
  return Math.round(x); // whole milliseconds store compactly
}

function toValue(x: unknown, field: string): number {
  if (typeof x === 'number') return x;
  if (x === null || x === 'NaN') return NaN;
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  return fail('values must be numbers, null (NaN), "NaN", "Infinity" or "-Infinity"', field);
}

function fail(message: string, field: string | null): never {
  throw new ValidationError(message, field, { code: 'invalid_metrics' });
}
