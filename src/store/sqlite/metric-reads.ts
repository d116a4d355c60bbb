/**
 * Metric reads, each merging the write buffer (`metric_pending`) with the series rows and
 * chunks in one read transaction, so a point reads the same before and after it is folded.
 * Points with equal steps come back in chunk-id order (roughly, the order they were written),
 * buffered points after chunked ones, and `readBuckets` picks its `last` values by the same rule.
 *
 * `readBuckets` reads the packed summary groups overlapping the range (about 80 blobs for a
 * 10M-point series), folds in the summary of every chunk that lies inside one bucket, and
 * fetches and decodes only the chunks that straddle a bucket edge or an end of the range.
 */
import { checkBucketCount, createBucketAccumulator, createBucketLayout, fitsOneBucket } from '../../core/metrics/buckets.ts';
import { type ChunkSummary, decodeChunk, decodeStepsAndValues, type DecodedPoints } from '../../core/metrics/chunk-codec.ts';
import { seriesExtremes, type SeriesExtremes } from '../../core/metrics/series-extremes.ts';
import type { BucketedSeries, SeriesInfo, SeriesPoints } from '../../core/types.ts';
import type { MetricStore, StepRange } from '../store.ts';
import { CHUNK_POINTS } from './metric-chunks.ts';
import type { Exclusive, MetricSql } from './metric-sql.ts';
import { forEachPendingEntry, pendingChunkOf } from './pending-batch.ts';
import { concatColumns, filterRange, sortByStep } from './points.ts';
import { valueFromColumn } from './rows.ts';
import { combineSummaries, seriesInfo, seriesSummary } from './series-summary.ts';
import { ENTRY_FIELDS, entrySummary, F_COUNT, F_FIRST, F_ID, F_LAST, groupEntries } from './summary-groups.ts';

type MetricReader = Pick<MetricStore, 'listSeries' | 'readSeries' | 'readBuckets' | 'latestValues' | 'latestValuesOfJobs' | 'seriesExtremesOfJobs'>;

/** `order` of buffered points in the bucket accumulator: after every chunk id. */
const BUFFERED_ORDER = 2 ** 32;

export function createMetricReader(sql: MetricSql, exclusive: Exclusive): MetricReader {
  /** Summaries of a job's series, buffered points included, by key (SQL order, then new keys). */
  function summaries(jobId: number, pending: readonly Buffer[]): { byKey: Map<string, { id: number | null; summary: ChunkSummary }>; newKeys: boolean } {
    const byKey = new Map<string, { id: number | null; summary: ChunkSummary }>();
    for (const row of sql.seriesOfJob(jobId)) byKey.set(row.key, { id: row.id, summary: seriesSummary(row) });
    let newKeys = false;
    for (const data of pending) {
      forEachPendingEntry(data, ({ key, summary }) => {
        const known = byKey.get(key);
        if (known === undefined) newKeys = true;
        byKey.set(key, { id: known?.id ?? null, summary: known === undefined ? summary : combineSummaries(known.summary, summary) });
      });
    }
    return { byKey, newKeys };
  }

  async function listSeries(jobId: number): Promise<SeriesInfo[]> {
    const { byKey, newKeys } = await exclusive(() => sql.readTransaction(() => summaries(jobId, sql.pendingOfJob(jobId))));
    const all = [...byKey];
    if (newKeys) all.sort(([a], [b]) => compareKeys(a, b));
    return all.map(([key, s]) => seriesInfo(key, s.summary));
  }

  return {
    listSeries,

    async latestValues(jobId) {
      const out: Record<string, { step: number; value: number }> = {};
      for (const s of await listSeries(jobId)) out[s.key] = { step: s.lastStep, value: s.lastValue };
      return out;
    },

    async latestValuesOfJobs(jobIds) {
      const out = new Map<number, Record<string, { step: number; value: number }>>();
      if (jobIds.length === 0) return out;
      const { rows, pending } = await exclusive(() =>
        sql.readTransaction(() => ({ rows: sql.latestOfJobs(jobIds), pending: sql.pendingOfJobs(jobIds) })),
      );
      const latestOf = (jobId: number) => {
        let latest = out.get(jobId);
        if (latest === undefined) out.set(jobId, (latest = {}));
        return latest;
      };
      for (const r of rows) latestOf(r.job_id)[r.key] = { step: r.last_step, value: valueFromColumn(r.last_value) };
      const withNewKeys = new Set<number>();
      for (const p of pending) {
        const latest = latestOf(p.job_id);
        forEachPendingEntry(p.data, ({ key, summary }) => {
          const known = latest[key];
          if (known === undefined) withNewKeys.add(p.job_id);
          // Newer points win ties, as when the buffer is folded.
          if (known === undefined || summary.lastStep >= known.step) latest[key] = { step: summary.lastStep, value: summary.lastValue };
        });
      }
      // Keys in the order listSeries gives them.
      for (const jobId of withNewKeys) {
        out.set(jobId, Object.fromEntries(Object.entries(out.get(jobId)!).sort(([a], [b]) => compareKeys(a, b))));
      }
      return out;
    },

    async readSeries(jobId, key, range) {
      const read = await exclusive(() =>
        sql.readTransaction(() => {
          const pending = sql.pendingOfJob(jobId);
          const series = summaries(jobId, pending).byKey.get(key);
          if (series === undefined) return null;
          const { from, to } = bounds(range, series.summary);
          if (from > to) return null;
          return {
            from,
            to,
            blobs: series.id === null ? [] : sql.chunkDataInRange(series.id, from, to),
            buffered: bufferedPoints(pending, key),
          };
        }),
      );
      if (read === null) return emptyPoints();
      const parts = read.blobs.map((b) => filterRange(decodeChunk(b), read.from, read.to));
      if (read.buffered !== null) parts.push(filterRange(read.buffered, read.from, read.to));
      if (parts.length === 0) return emptyPoints();
      const sorted = sortByStep(concatColumns(parts));
      return { steps: Array.from(sorted.steps), values: Array.from(sorted.values), times: Array.from(sorted.times) };
    },

    async seriesExtremesOfJobs(jobIds, key) {
      const out = new Map<number, SeriesExtremes>();
      if (jobIds.length === 0) return out;
      await exclusive(() =>
        sql.readTransaction(() => {
          const pendingByJob = new Map<number, Buffer[]>();
          for (const p of sql.pendingOfJobs(jobIds)) {
            const list = pendingByJob.get(p.job_id);
            if (list === undefined) pendingByJob.set(p.job_id, [p.data]);
            else list.push(p.data);
          }
          // As readSeries: the chunks in id order, then the buffered points, sorted by step (stable).
          const add = (jobId: number, blobs: readonly Buffer[]) => {
            const pending = pendingByJob.get(jobId);
            pendingByJob.delete(jobId);
            const parts = blobs.map((b) => decodeChunk(b));
            const buffered = pending === undefined ? null : bufferedPoints(pending, key);
            if (buffered !== null) parts.push(buffered);
            if (parts.length === 0) return;
            const sorted = sortByStep(concatColumns(parts));
            out.set(jobId, seriesExtremes(sorted.steps, sorted.values));
          };
          sql.forEachJobChunks(jobIds, key, add);
          // Jobs whose points of `key` are all still buffered.
          for (const jobId of [...pendingByJob.keys()]) add(jobId, []);
        }),
      );
      return out;
    },

    async readBuckets(jobId, key, buckets, range) {
      checkBucketCount(buckets);
      return exclusive(() => sql.readTransaction(() => bucketize(sql, jobId, key, buckets, range)));
    },
  };
}

function bucketize(sql: MetricSql, jobId: number, key: string, buckets: number, range: StepRange | undefined): BucketedSeries {
  const row = sql.findSeries(jobId, key);
  const buffered = bufferedPoints(sql.pendingOfJob(jobId), key);
  const chunked = row === null ? null : seriesSummary(row);
  const summary = buffered === null ? chunked : chunked === null ? summarizeSorted(buffered) : combineSummaries(chunked, summarizeSorted(buffered));
  if (summary === null) return emptyBuckets(key);
  const { from, to } = bounds(range, summary);
  if (from > to) return emptyBuckets(key);
  const layout = createBucketLayout(from, to, buckets);
  const acc = createBucketAccumulator(layout);
  if (row !== null) {
    const straddling: number[] = [];
    for (const blob of sql.groupsInRange(row.id, from, to)) {
      const f = groupEntries(blob);
      for (let e = 0, at = 0; at < f.length; e++, at += ENTRY_FIELDS) {
        if (f[at + F_COUNT] === 0 || f[at + F_FIRST] > to || f[at + F_LAST] < from) continue;
        if (fitsOneBucket(layout, { firstStep: f[at + F_FIRST], lastStep: f[at + F_LAST] })) {
          acc.addSummary(entrySummary(f, e), f[at + F_ID]);
        } else {
          straddling.push(f[at + F_ID]);
        }
      }
    }
    const scratch = new Float64Array(CHUNK_POINTS);
    sql.forEachChunkData(straddling, (id, data) => acc.addSortedPoints(decodeStepsAndValues(data, scratch), id));
  }
  if (buffered !== null) acc.addSortedPoints(buffered, BUFFERED_ORDER);
  return acc.result(key);
}

/** The job's buffered points of `key`, sorted by step (arrival order on ties); null when none. */
function bufferedPoints(pending: readonly Buffer[], key: string): DecodedPoints | null {
  const parts: DecodedPoints[] = [];
  for (const data of pending) {
    const chunk = pendingChunkOf(data, key);
    if (chunk !== null) parts.push(decodeChunk(chunk));
  }
  return parts.length === 0 ? null : sortByStep(concatColumns(parts));
}

/** Summary of step-sorted, non-empty points (min/max ignore NaN). */
function summarizeSorted(p: DecodedPoints): ChunkSummary {
  let min = NaN;
  let max = NaN;
  for (const v of p.values) {
    if (Number.isNaN(v)) continue;
    if (!(v >= min)) min = v;
    if (!(v <= max)) max = v;
  }
  const n = p.steps.length;
  return { count: n, firstStep: p.steps[0], lastStep: p.steps[n - 1], min, max, lastValue: p.values[n - 1] };
}

/** UTF-16 order differs from code point order only where surrogate pairs are involved. */
const SURROGATE = /[\uD800-\uDFFF]/;

/** The order SQLite's BINARY collation gives keys (UTF-8 bytes, i.e. code points), as in `order by key`. */
function compareKeys(a: string, b: string): number {
  if (SURROGATE.test(a) || SURROGATE.test(b)) return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The requested range; missing or infinite ends default to the series' own. */
function bounds(range: StepRange | undefined, series: Pick<ChunkSummary, 'firstStep' | 'lastStep'>): { from: number; to: number } {
  const from = range?.from;
  const to = range?.to;
  return {
    from: from !== undefined && Number.isFinite(from) ? from : series.firstStep,
    to: to !== undefined && Number.isFinite(to) ? to : series.lastStep,
  };
}

function emptyPoints(): SeriesPoints {
  return { steps: [], values: [], times: [] };
}

function emptyBuckets(key: string): BucketedSeries {
  return { key, steps: [], min: [], max: [], last: [], count: [] };
}
