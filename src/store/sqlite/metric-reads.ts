/**
 * Metric reads over Kysely without dialect-specific SQL. Points with equal steps come back in
 * chunk-id order (the order they were written, roughly), and `readBuckets` picks its `last`
 * values by the same rule.
 */
import { checkBucketCount, createBucketAccumulator, createBucketLayout, fitsOneBucket } from '../../core/metrics/buckets.ts';
import { type ChunkSummary, decodeChunk, type DecodedPoints } from '../../core/metrics/chunk-codec.ts';
import type { BucketedSeries, SeriesPoints } from '../../core/types.ts';
import type { MetricStore, StepRange } from '../store.ts';
import { concatColumns, filterRange, sortByStep } from './points.ts';
import { valueFromColumn } from './rows.ts';
import type { StoreDb } from './schema.ts';

/** Blobs fetched per query when decoding straddling chunks. */
const BLOB_FETCH_BATCH = 256;

type MetricReader = Pick<MetricStore, 'listSeries' | 'readSeries' | 'readBuckets' | 'latestValues'>;

export function createMetricReader(db: StoreDb): MetricReader {
  async function findSeries(jobId: number, key: string) {
    return db
      .selectFrom('metric_series')
      .select(['id', 'first_step', 'last_step'])
      .where('job_id', '=', jobId)
      .where('key', '=', key)
      .executeTakeFirst();
  }

  return {
    async listSeries(jobId) {
      const rows = await db.selectFrom('metric_series').selectAll().where('job_id', '=', jobId).orderBy('key').execute();
      return rows.map((r) => ({
        key: r.key,
        count: r.count,
        firstStep: r.first_step,
        lastStep: r.last_step,
        lastValue: valueFromColumn(r.last_value),
        min: valueFromColumn(r.min),
        max: valueFromColumn(r.max),
      }));
    },

    async latestValues(jobId) {
      const rows = await db
        .selectFrom('metric_series')
        .select(['key', 'last_step', 'last_value'])
        .where('job_id', '=', jobId)
        .orderBy('key')
        .execute();
      const out: Record<string, { step: number; value: number }> = {};
      for (const r of rows) out[r.key] = { step: r.last_step, value: valueFromColumn(r.last_value) };
      return out;
    },

    async readSeries(jobId, key, range) {
      const series = await findSeries(jobId, key);
      const { from, to } = bounds(range, series);
      if (series === undefined || from > to) return emptyPoints();
      const rows = await db
        .selectFrom('metric_chunks')
        .innerJoin('metric_chunk_data', 'metric_chunk_data.chunk_id', 'metric_chunks.id')
        .select('metric_chunk_data.data')
        .where('series_id', '=', series.id)
        .where('first_step', '<=', to)
        .where('last_step', '>=', from)
        .orderBy('metric_chunks.id')
        .execute();
      if (rows.length === 0) return emptyPoints();
      const parts: DecodedPoints[] = rows.map((r) => filterRange(decodeChunk(r.data), from, to));
      const sorted = sortByStep(concatColumns(parts));
      return { steps: Array.from(sorted.steps), values: Array.from(sorted.values), times: Array.from(sorted.times) };
    },

    async readBuckets(jobId, key, buckets, range) {
      const series = await findSeries(jobId, key);
      const { from, to } = bounds(range, series);
      checkBucketCount(buckets);
      if (series === undefined || from > to) return emptyBuckets(key);
      const layout = createBucketLayout(from, to, buckets);
      const acc = createBucketAccumulator(layout);
      const chunks = await db
        .selectFrom('metric_chunks')
        .select(['id', 'first_step', 'last_step', 'count', 'min', 'max', 'last_value'])
        .where('series_id', '=', series.id)
        .where('first_step', '<=', to)
        .where('last_step', '>=', from)
        .execute();
      const straddling: number[] = [];
      for (const c of chunks) {
        const summary: ChunkSummary = {
          count: c.count,
          firstStep: c.first_step,
          lastStep: c.last_step,
          min: valueFromColumn(c.min),
          max: valueFromColumn(c.max),
          lastValue: valueFromColumn(c.last_value),
        };
        if (fitsOneBucket(layout, summary)) acc.addSummary(summary, c.id);
        else straddling.push(c.id);
      }
      for (let i = 0; i < straddling.length; i += BLOB_FETCH_BATCH) {
        const blobs = await db
          .selectFrom('metric_chunk_data')
          .select(['chunk_id', 'data'])
          .where('chunk_id', 'in', straddling.slice(i, i + BLOB_FETCH_BATCH))
          .execute();
        for (const b of blobs) acc.addPoints(decodeChunk(b.data), b.chunk_id);
      }
      return acc.result(key);
    },
  };
}

/** The requested range; missing or infinite ends default to the series' own. */
function bounds(range: StepRange | undefined, series: { first_step: number; last_step: number } | undefined) {
  const from = range?.from;
  const to = range?.to;
  return {
    from: from !== undefined && Number.isFinite(from) ? from : (series?.first_step ?? 0),
    to: to !== undefined && Number.isFinite(to) ? to : (series?.last_step ?? 0),
  };
}

function emptyPoints(): SeriesPoints {
  return { steps: [], values: [], times: [] };
}

function emptyBuckets(key: string): BucketedSeries {
  return { key, steps: [], min: [], max: [], last: [], count: [] };
}
