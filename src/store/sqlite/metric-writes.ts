/**
 * Metric writes: `recordMetrics` and `truncateAfter`, over Kysely without dialect-specific SQL.
 *
 * Layout: a series (job, key) is a row of `metric_series` holding its summary, and a set of
 * chunks of at most `CHUNK_POINTS` points sorted by step, each a row of `metric_chunks`
 * (summary columns, run id) plus a blob in `metric_chunk_data`. A chunk holds points of one run.
 *
 * A batch is written in one transaction. For each key its points are sorted and merged with
 * the series' tail chunk (the one with the highest first step) when that chunk belongs to the
 * same run and is not full, or when the new points reach back into it; the result is cut into
 * full chunks with the remainder last, so the tail stays the only partial chunk of a run and
 * small SDK batches cost the same bytes per point as big ones.
 */
import type { Transaction } from 'kysely';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { type ChunkSummary, decodeChunk, type DecodedPoints, encodeChunk, summarizePoints } from '../../core/metrics/chunk-codec.ts';
import type { MetricBatch, MetricStore, MetricWriteResult } from '../store.ts';
import { filterRange, mergeSorted, toSortedColumns } from './points.ts';
import { valueFromColumn, valueToColumn } from './rows.ts';
import type { StoreDb, StoreSchema } from './schema.ts';

/** Points per full chunk: 12 KB per chunk for regular series, small against a row's overhead. */
export const CHUNK_POINTS = 1000;

type Trx = Transaction<StoreSchema>;

export function createMetricWriter(db: StoreDb): Pick<MetricStore, 'recordMetrics' | 'truncateAfter'> {
  return {
    async recordMetrics(batch: MetricBatch): Promise<MetricWriteResult> {
      const series: [string, DecodedPoints][] = [];
      for (const [key, points] of batch.series) {
        if (points.steps.length > 0) series.push([key, toSortedColumns(key, points)]);
      }
      return db.transaction().execute(async (trx) => {
        const run = await trx.selectFrom('runs').select('job_id').where('id', '=', batch.runId).executeTakeFirst();
        if (run === undefined) throw new NotFoundError('run', batch.runId);
        if (batch.batchId !== null) {
          const inserted = await trx
            .insertInto('metric_batches')
            .values({ run_id: batch.runId, batch_id: batch.batchId })
            .onConflict((oc) => oc.columns(['run_id', 'batch_id']).doNothing())
            .executeTakeFirst();
          if (inserted.numInsertedOrUpdatedRows === 0n) return { accepted: 0, duplicate: true };
        }
        let accepted = 0;
        for (const [key, points] of series) {
          await appendToSeries(trx, run.job_id, batch.runId, key, points);
          accepted += points.steps.length;
        }
        if (batch.logOffset !== undefined) {
          await trx.updateTable('runs').set({ log_offset: batch.logOffset }).where('id', '=', batch.runId).execute();
        }
        return { accepted, duplicate: false };
      });
    },

    async truncateAfter(jobId: number, step: number): Promise<void> {
      if (Number.isNaN(step)) throw new ValidationError('must be a number', 'step');
      await db.transaction().execute(async (trx) => {
        const seriesIds = await trx.selectFrom('metric_series').select('id').where('job_id', '=', jobId).execute();
        for (const { id } of seriesIds) await truncateSeries(trx, id, step);
      });
    },
  };
}

async function appendToSeries(trx: Trx, jobId: number, runId: number, key: string, points: DecodedPoints): Promise<void> {
  const batch = summarizePoints(points);
  const series = await trx
    .selectFrom('metric_series')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('key', '=', key)
    .executeTakeFirst();
  let seriesId: number;
  if (series === undefined) {
    const row = await trx
      .insertInto('metric_series')
      .values({ job_id: jobId, key, ...summaryColumns(batch) })
      .returning('id')
      .executeTakeFirstOrThrow();
    seriesId = row.id;
  } else {
    seriesId = series.id;
    const old: ChunkSummary = {
      count: series.count,
      firstStep: series.first_step,
      lastStep: series.last_step,
      min: valueFromColumn(series.min),
      max: valueFromColumn(series.max),
      lastValue: valueFromColumn(series.last_value),
    };
    await trx.updateTable('metric_series').set(summaryColumns(combine(old, batch))).where('id', '=', seriesId).execute();
  }

  const tail = await trx
    .selectFrom('metric_chunks')
    .select(['id', 'run_id', 'count', 'last_step'])
    .where('series_id', '=', seriesId)
    .orderBy('first_step', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (tail !== undefined && tail.run_id === runId && (tail.count < CHUNK_POINTS || points.steps[0] < tail.last_step)) {
    const { data } = await trx
      .selectFrom('metric_chunk_data')
      .select('data')
      .where('chunk_id', '=', tail.id)
      .executeTakeFirstOrThrow();
    await writeChunks(trx, seriesId, runId, mergeSorted(decodeChunk(data), points), tail.id);
  } else {
    await writeChunks(trx, seriesId, runId, points, null);
  }
}

/** Cuts sorted points into chunks of CHUNK_POINTS; the first replaces chunk `reuseId` if given. */
async function writeChunks(trx: Trx, seriesId: number, runId: number, points: DecodedPoints, reuseId: number | null): Promise<void> {
  const n = points.steps.length;
  for (let start = 0; start < n; start += CHUNK_POINTS) {
    const { summary, data } = encodeChunk(points, start, Math.min(n, start + CHUNK_POINTS));
    if (start === 0 && reuseId !== null) {
      await replaceChunk(trx, reuseId, summary, data);
    } else {
      const { id } = await trx
        .insertInto('metric_chunks')
        .values({ series_id: seriesId, run_id: runId, ...summaryColumns(summary) })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx.insertInto('metric_chunk_data').values({ chunk_id: id, data }).execute();
    }
  }
}

async function replaceChunk(trx: Trx, chunkId: number, summary: ChunkSummary, data: Buffer): Promise<void> {
  await trx.updateTable('metric_chunks').set(summaryColumns(summary)).where('id', '=', chunkId).execute();
  await trx.updateTable('metric_chunk_data').set({ data }).where('chunk_id', '=', chunkId).execute();
}

async function truncateSeries(trx: Trx, seriesId: number, step: number): Promise<void> {
  const doomed = trx
    .selectFrom('metric_chunks')
    .select('id')
    .where('series_id', '=', seriesId)
    .where('first_step', '>', step);
  await trx.deleteFrom('metric_chunk_data').where('chunk_id', 'in', doomed).execute();
  await trx.deleteFrom('metric_chunks').where('series_id', '=', seriesId).where('first_step', '>', step).execute();

  const straddling = await trx
    .selectFrom('metric_chunks')
    .innerJoin('metric_chunk_data', 'metric_chunk_data.chunk_id', 'metric_chunks.id')
    .select(['metric_chunks.id', 'metric_chunk_data.data'])
    .where('series_id', '=', seriesId)
    .where('last_step', '>', step)
    .execute();
  for (const chunk of straddling) {
    const kept = filterRange(decodeChunk(chunk.data), -Infinity, step);
    const { summary, data } = encodeChunk(kept);
    await replaceChunk(trx, chunk.id, summary, data);
  }

  const agg = await trx
    .selectFrom('metric_chunks')
    .select((eb) => [
      eb.fn.countAll<number>().as('chunks'),
      eb.fn.sum<number>('count').as('count'),
      eb.fn.min('first_step').as('first_step'),
      eb.fn.max('last_step').as('last_step'),
      eb.fn.min('min').as('min'),
      eb.fn.max('max').as('max'),
    ])
    .where('series_id', '=', seriesId)
    .executeTakeFirstOrThrow();
  if (Number(agg.chunks) === 0) {
    await trx.deleteFrom('metric_series').where('id', '=', seriesId).execute();
    return;
  }
  const last = await trx
    .selectFrom('metric_chunks')
    .select('last_value')
    .where('series_id', '=', seriesId)
    .orderBy('last_step', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  await trx
    .updateTable('metric_series')
    .set({
      count: Number(agg.count),
      first_step: Number(agg.first_step),
      last_step: Number(agg.last_step),
      last_value: last.last_value,
      min: agg.min === null ? null : Number(agg.min),
      max: agg.max === null ? null : Number(agg.max),
    })
    .where('id', '=', seriesId)
    .execute();
}

/** Summary of old points followed by new ones (the new win ties for the last value). */
function combine(old: ChunkSummary, added: ChunkSummary): ChunkSummary {
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

function nanMin(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b);
}

function nanMax(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b);
}

/** The summary columns shared by `metric_series` and `metric_chunks`. */
function summaryColumns(s: ChunkSummary) {
  return {
    count: s.count,
    first_step: s.firstStep,
    last_step: s.lastStep,
    last_value: valueToColumn(s.lastValue),
    min: valueToColumn(s.min),
    max: valueToColumn(s.max),
  };
}
