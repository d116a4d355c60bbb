/**
 * Chunk-level work of metric writes, within the caller's transaction: folding a run's buffered
 * batches into chunks, and truncating a series.
 *
 * Layout: a series (job, key) is a row of `metric_series` holding the summary of its chunks,
 * and chunks of at most CHUNK_POINTS points sorted by step: a row of `metric_chunks` (summary
 * columns, run id, slot) plus a blob in `metric_chunk_data`, and an entry in the packed summary
 * groups. A chunk holds points of one run.
 *
 * A fold sorts each key's points and merges them with the run's tail chunk of the series (its
 * highest first step) when that chunk is not full, or when the new points reach back into it;
 * the result is cut into full chunks with the remainder last. So each run keeps at most one
 * partial chunk per series, and since the buffer folds when a chunk's worth has come, a chunk
 * is encoded about once however small the batches.
 */
import { decodeChunk, decodeChunkInto, type DecodedPoints, summarizePoints } from '../../core/metrics/chunk-codec.ts';
import type { BufferedRun } from './metric-buffer.ts';
import { CHUNK_POINTS, createChunkWriter, summaryColumns } from './metric-chunks.ts';
import type { MetricSql, SeriesRow } from './metric-sql.ts';
import { forEachPendingEntry } from './pending-batch.ts';
import { filterRange, mergeSorted, sortByStep } from './points.ts';
import { combineSummaries, seriesSummary } from './series-summary.ts';

/**
 * Folds a run's buffered batches, then `extra` (a batch not buffered), into chunks, and deletes
 * the buffered rows. `mirrored`: the rows as the caller holds them, or null to read them from
 * the table. Returns the points in each written key's tail chunk.
 */
export function foldRun(sql: MetricSql, run: BufferedRun, extra: ReadonlyArray<readonly [string, DecodedPoints]>, mirrored: readonly Buffer[] | null): Map<string, number> {
  // Gather each key's points in arrival order: buffered chunks, then `extra`, into one set of
  // columns per key, decoded in place.
  const parts = new Map<string, { count: number; chunks: Uint8Array[]; extra: DecodedPoints | null }>();
  const rows = mirrored ?? sql.pendingOfRun(run.jobId, run.runId);
  for (const data of rows) {
    forEachPendingEntry(data, ({ key, summary, chunk }) => {
      const part = parts.get(key);
      if (part === undefined) parts.set(key, { count: summary.count, chunks: [chunk], extra: null });
      else {
        part.count += summary.count;
        part.chunks.push(chunk);
      }
    });
  }
  for (const [key, points] of extra) {
    const part = parts.get(key);
    if (part === undefined) parts.set(key, { count: points.steps.length, chunks: [], extra: points });
    else {
      part.count += points.steps.length;
      part.extra = points;
    }
  }
  const tails = new Map<string, number>();
  for (const [key, part] of parts) {
    let points: DecodedPoints;
    if (part.chunks.length === 0 && part.extra !== null) {
      points = part.extra;
    } else {
      const store = new Float64Array(part.count * 3);
      points = { steps: store.subarray(0, part.count), values: store.subarray(part.count, 2 * part.count), times: store.subarray(2 * part.count) };
      let at = 0;
      for (const chunk of part.chunks) at += decodeChunkInto(chunk, points, at);
      if (part.extra !== null) {
        points.steps.set(part.extra.steps, at);
        points.values.set(part.extra.values, at);
        points.times.set(part.extra.times, at);
      }
    }
    // Each part is sorted; a stable sort of their concatenation keeps arrival order on ties.
    tails.set(key, appendToSeries(sql, run, key, sortByStep(points)));
  }
  if (rows.length > 0) sql.deletePendingOfRun(run.jobId, run.runId);
  return tails;
}

/** Appends step-sorted points of a run to a series; returns the points in the tail chunk written. */
function appendToSeries(sql: MetricSql, run: BufferedRun, key: string, points: DecodedPoints): number {
  const added = summarizePoints(points);
  const series = sql.findSeries(run.jobId, key);
  const seriesId = series?.id ?? sql.insertSeries(run.jobId, key, summaryColumns(added), 0);
  const writer = createChunkWriter(sql, seriesId, series?.next_slot ?? 0);
  const tail = series === null ? null : sql.runTail(seriesId, run.runId);
  let last: number;
  if (tail !== null && (tail.count < CHUNK_POINTS || points.steps[0] < tail.last_step)) {
    last = writer.writePoints(run.runId, mergeSorted(decodeChunk(sql.chunkData(tail.id)), points), tail);
  } else {
    last = writer.writePoints(run.runId, points, null);
  }
  writer.flush();
  const summary = series === null ? added : combineSummaries(seriesSummary(series), added);
  sql.updateSeries(seriesId, summaryColumns(summary), writer.nextSlot);
  return last;
}

export function truncateSeries(sql: MetricSql, series: SeriesRow, step: number): void {
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
