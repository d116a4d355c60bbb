/**
 * Logged points and the columnar batch form of `POST /api/v1/runs/:runId/metrics`.
 */

/** One `log()` call: its step, epoch ms and metrics (already numbers). */
export interface Row {
  readonly step: number;
  readonly time: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/** How a value travels in JSON: NaN and infinities as strings, as the API documents. */
export type EncodedValue = number | 'NaN' | 'Infinity' | '-Infinity';

export interface ColumnarSeries {
  steps: number[];
  values: EncodedValue[];
  times: number[];
}

export type ColumnarBatch = Record<string, ColumnarSeries>;

/** Metric keys the server accepts. */
export const METRIC_KEY = /^[A-Za-z0-9_.\-/]{1,200}$/;
/** Keys in one request (the server's limit). */
export const MAX_BATCH_KEYS = 1_000;
/** Points in one request (the server accepts 1,000,000; smaller requests retry cheaper). */
export const MAX_BATCH_POINTS = 100_000;

export function encodeValue(value: number): EncodedValue {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

/** Splits rows into groups of at most `maxPoints` points (a row is never split). */
export function chunkRows(rows: readonly Row[], maxPoints = MAX_BATCH_POINTS): Row[][] {
  const chunks: Row[][] = [];
  let current: Row[] = [];
  let points = 0;
  for (const row of rows) {
    current.push(row);
    points += Object.keys(row.metrics).length;
    if (points >= maxPoints) {
      chunks.push(current);
      current = [];
      points = 0;
    }
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Rows as columnar series, split into batches of at most `MAX_BATCH_KEYS` keys.
 * @param keyOk decides whether a key is sent (it warns about the ones it refuses).
 */
export function toColumnar(rows: readonly Row[], keyOk: (key: string) => boolean): ColumnarBatch[] {
  const series = new Map<string, ColumnarSeries>();
  for (const row of rows) {
    for (const key in row.metrics) {
      let columns = series.get(key);
      if (columns === undefined) {
        if (!keyOk(key)) continue;
        columns = { steps: [], values: [], times: [] };
        series.set(key, columns);
      }
      columns.steps.push(row.step);
      columns.values.push(encodeValue(row.metrics[key]));
      columns.times.push(row.time);
    }
  }
  const keys = [...series.keys()];
  const batches: ColumnarBatch[] = [];
  for (let i = 0; i < keys.length; i += MAX_BATCH_KEYS) {
    batches.push(Object.fromEntries(keys.slice(i, i + MAX_BATCH_KEYS).map((k) => [k, series.get(k)!])));
  }
  return batches;
}

/** A number for the line protocol (`nan`, `inf` and `-inf` are accepted there). */
export function formatLineValue(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return String(value);
}
