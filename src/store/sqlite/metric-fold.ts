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
import type { PendingRow } from './pending-mirror.ts';
import { filterRange, mergeSorted, sortByStep } from './points.ts';
import { combineSummaries, seriesSummary } from './series-summary.ts';

/**
 * Folds a run's buffered batches, then `extra` (a batch not buffered), into chunks, and deletes
 * the buffered rows. `mirrored`: the rows as the caller holds them, or null to read and decode
 * them from the table. Returns the points in each written key's tail chunk.
 */
export function foldRun(sql: MetricSql, run: BufferedRun, extra: PendingRow, mirrored: readonly PendingRow[] | null): Map<string, number> {
  // Each key's parts in arrival order: chunks still encoded (read from the table) or points.
  const parts = new Map<string, { count: number; parts: Array<Uint8Array | DecodedPoints> }>();
  const add = (key: string, count: number, part: Uint8Array | DecodedPoints) => {
    const known = parts.get(key);
    if (known === undefined) parts.set(key, { count, parts: [part] });
    else {
      known.count += count;
      known.parts.push(part);
    }
  };
  let buffered = 0;
  if (mirrored === null) {
    for (const data of sql.pendingOfRun(run.jobId, run.runId)) {
      buffered++;
      forEachPendingEntry(data, ({ key, summary, chunk }) => add(key, summary.count, chunk));
    }
  } else {
    for (const row of mirrored) {
      buffered++;
      for (const [key, points] of row) add(key, points.steps.length, points);
    }
  }
  for (const [key, points] of extra) add(key, points.steps.length, points);

  const tails = new Map<string, number>();
  for (const [key, { count, parts: list }] of parts) {
    // Each part is sorted; a stable sort of their concatenation keeps arrival order on ties.
    tails.set(key, appendToSeries(sql, run, key, sortByStep(gather(list, count))));
  }
  if (buffered > 0) sql.deletePendingOfRun(run.jobId, run.runId);
  return tails;
}

/** The parts' points in order, in one set of columns (encoded chunks decoded in place). */
function gather(parts: ReadonlyArray<Uint8Array | DecodedPoints>, count: number): DecodedPoints {
  if (parts.length === 1 && !(parts[0] instanceof Uint8Array)) return parts[0];
  const store = new Float64Array(count * 3);
  const out = { steps: store.subarray(0, count), values: store.subarray(count, 2 * count), times: store.subarray(2 * count) };
  let at = 0;
  for (const part of parts) {
    if (part instanceof Uint8Array) {
      at += decodeChunkInto(part, out, at);
    } else {
      out.steps.set(part.steps, at);
      out.values.set(part.values, at);
      out.times.set(part.times, at);
      at += part.steps.length;
    }
  }
  return out;
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
