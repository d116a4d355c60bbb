/**
 * Metric writes: `recordMetrics` and `truncateAfter`.
 *
 * Layout: a series (job, key) is a row of `metric_series` holding its summary, and chunks of
 * at most CHUNK_POINTS points sorted by step: a row of `metric_chunks` (summary columns, run
 * id, slot) plus a blob in `metric_chunk_data`, and an entry in the packed summary groups.
 * A chunk holds points of one run.
 *
 * A batch is written in one transaction, before `recordMetrics` resolves. For each key its
 * points are sorted and merged with the run's tail chunk of the series (its highest first
 * step) when that chunk is not full, or when the new points reach back into it; the result is
 * cut into full chunks with the remainder last. So each run keeps at most one partial chunk
 * per series, and small SDK batches cost the same bytes per point as big ones.
 */
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { type ChunkSummary, decodeChunk, type DecodedPoints, summarizePoints } from '../../core/metrics/chunk-codec.ts';
import type { MetricBatch, MetricStore, MetricWriteResult } from '../store.ts';
import { CHUNK_POINTS, createChunkWriter, summaryColumns } from './metric-chunks.ts';
import type { Exclusive, MetricSql, SeriesRow } from './metric-sql.ts';
import { filterRange, mergeSorted, toSortedColumns } from './points.ts';
import { valueFromColumn } from './rows.ts';

export function createMetricWriter(sql: MetricSql, exclusive: Exclusive): Pick<MetricStore, 'recordMetrics' | 'truncateAfter'> {
  return {
    async recordMetrics(batch: MetricBatch): Promise<MetricWriteResult> {
      const series: [string, DecodedPoints][] = [];
      for (const [key, points] of batch.series) {
        if (points.steps.length > 0) series.push([key, toSortedColumns(key, points)]);
      }
      return exclusive(() =>
        sql.writeTransaction(() => {
          const jobId = sql.runJobId(batch.runId);
          if (jobId === null) throw new NotFoundError('run', batch.runId);
          if (batch.batchId !== null && !sql.insertBatchId(batch.runId, batch.batchId)) {
            return { accepted: 0, duplicate: true };
          }
          let accepted = 0;
          for (const [key, points] of series) {
            appendToSeries(sql, jobId, batch.runId, key, points);
            accepted += points.steps.length;
          }
          if (batch.logOffset !== undefined) sql.setLogOffset(batch.runId, batch.logOffset);
          return { accepted, duplicate: false };
        }),
      );
    },

    async truncateAfter(jobId: number, step: number): Promise<void> {
      if (Number.isNaN(step)) throw new ValidationError('must be a number', 'step');
      await exclusive(() =>
        sql.writeTransaction(() => {
          for (const series of sql.seriesOfJob(jobId)) truncateSeries(sql, series, step);
        }),
      );
    },
  };
}

function appendToSeries(sql: MetricSql, jobId: number, runId: number, key: string, points: DecodedPoints): void {
  const added = summarizePoints(points);
  const series = sql.findSeries(jobId, key);
  const seriesId = series?.id ?? sql.insertSeries(jobId, key, summaryColumns(added), 0);
  const writer = createChunkWriter(sql, seriesId, series?.next_slot ?? 0);
  const tail = series === null ? null : sql.runTail(seriesId, runId);
  if (tail !== null && (tail.count < CHUNK_POINTS || points.steps[0] < tail.last_step)) {
    writer.writePoints(runId, mergeSorted(decodeChunk(sql.chunkData(tail.id)), points), tail);
  } else {
    writer.writePoints(runId, points, null);
  }
  writer.flush();
  const summary = series === null ? added : combine(seriesSummary(series), added);
  sql.updateSeries(seriesId, summaryColumns(summary), writer.nextSlot);
}

function truncateSeries(sql: MetricSql, series: SeriesRow, step: number): void {
  const writer = createChunkWriter(sql, series.id, series.next_slot);
  for (const chunk of sql.chunksAfter(series.id, step)) writer.remove(chunk.id, chunk.slot);
  // What is left starts at or before `step`, so each rewritten chunk keeps a point.
  for (const chunk of sql.chunksEndingAfter(series.id, step)) {
    writer.rewrite(chunk.id, chunk.slot, filterRange(decodeChunk(chunk.data), -Infinity, step));
  }
  writer.flush();
  const summary = sql.summarizeChunks(series.id);
  if (summary === null) sql.deleteSeries(series.id);
  else sql.updateSeries(series.id, summary, writer.nextSlot);
}

function seriesSummary(row: SeriesRow): ChunkSummary {
  return {
    count: row.count,
    firstStep: row.first_step,
    lastStep: row.last_step,
    min: valueFromColumn(row.min),
    max: valueFromColumn(row.max),
    lastValue: valueFromColumn(row.last_value),
  };
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
