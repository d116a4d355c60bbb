/**
 * Metric reads. Points with equal steps come back in chunk-id order (roughly, the order they
 * were written), and `readBuckets` picks its `last` values by the same rule.
 *
 * `readBuckets` reads the packed summary groups overlapping the range (about 80 blobs for a
 * 10M-point series), folds in the summary of every chunk that lies inside one bucket, and
 * fetches and decodes only the chunks that straddle a bucket edge or an end of the range.
 */
import { checkBucketCount, createBucketAccumulator, createBucketLayout, fitsOneBucket } from '../../core/metrics/buckets.ts';
import { decodeChunk, decodeStepsAndValues } from '../../core/metrics/chunk-codec.ts';
import type { BucketedSeries, SeriesInfo, SeriesPoints } from '../../core/types.ts';
import type { MetricStore, StepRange } from '../store.ts';
import { CHUNK_POINTS } from './metric-chunks.ts';
import type { Exclusive, MetricSql, SeriesRow } from './metric-sql.ts';
import { concatColumns, filterRange, sortByStep } from './points.ts';
import { valueFromColumn } from './rows.ts';
import { ENTRY_FIELDS, entrySummary, F_COUNT, F_FIRST, F_ID, F_LAST, groupEntries } from './summary-groups.ts';

type MetricReader = Pick<MetricStore, 'listSeries' | 'readSeries' | 'readBuckets' | 'latestValues'>;

export function createMetricReader(sql: MetricSql, exclusive: Exclusive): MetricReader {
  return {
    async listSeries(jobId) {
      return exclusive(() => sql.seriesOfJob(jobId).map(seriesInfo));
    },

    async latestValues(jobId) {
      const rows = await exclusive(() => sql.seriesOfJob(jobId));
      const out: Record<string, { step: number; value: number }> = {};
      for (const r of rows) out[r.key] = { step: r.last_step, value: valueFromColumn(r.last_value) };
      return out;
    },

    async readSeries(jobId, key, range) {
      const blobs = await exclusive(() =>
        sql.readTransaction(() => {
          const series = sql.findSeries(jobId, key);
          if (series === null) return null;
          const { from, to } = bounds(range, series);
          return from > to ? null : { from, to, blobs: sql.chunkDataInRange(series.id, from, to) };
        }),
      );
      if (blobs === null || blobs.blobs.length === 0) return emptyPoints();
      const parts = blobs.blobs.map((b) => filterRange(decodeChunk(b), blobs.from, blobs.to));
      const sorted = sortByStep(concatColumns(parts));
      return { steps: Array.from(sorted.steps), values: Array.from(sorted.values), times: Array.from(sorted.times) };
    },

    async readBuckets(jobId, key, buckets, range) {
      checkBucketCount(buckets);
      return exclusive(() => sql.readTransaction(() => bucketize(sql, jobId, key, buckets, range)));
    },
  };
}

function bucketize(sql: MetricSql, jobId: number, key: string, buckets: number, range: StepRange | undefined): BucketedSeries {
  const series = sql.findSeries(jobId, key);
  if (series === null) return emptyBuckets(key);
  const { from, to } = bounds(range, series);
  if (from > to) return emptyBuckets(key);
  const layout = createBucketLayout(from, to, buckets);
  const acc = createBucketAccumulator(layout);
  const straddling: number[] = [];
  for (const blob of sql.groupsInRange(series.id, from, to)) {
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
  return acc.result(key);
}

function seriesInfo(r: SeriesRow & { key: string }): SeriesInfo {
  return {
    key: r.key,
    count: r.count,
    firstStep: r.first_step,
    lastStep: r.last_step,
    lastValue: valueFromColumn(r.last_value),
    min: valueFromColumn(r.min),
    max: valueFromColumn(r.max),
  };
}

/** The requested range; missing or infinite ends default to the series' own. */
function bounds(range: StepRange | undefined, series: SeriesRow): { from: number; to: number } {
  const from = range?.from;
  const to = range?.to;
  return {
    from: from !== undefined && Number.isFinite(from) ? from : series.first_step,
    to: to !== undefined && Number.isFinite(to) ? to : series.last_step,
  };
}

function emptyPoints(): SeriesPoints {
  return { steps: [], values: [], times: [] };
}

function emptyBuckets(key: string): BucketedSeries {
  return { key, steps: [], min: [], max: [], last: [], count: [] };
}
