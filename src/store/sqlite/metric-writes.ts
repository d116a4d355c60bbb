/**
 * Metric writes: `recordMetrics`, `truncateAfter`, and when to fold the write buffer.
 *
 * A batch is committed, with its batch id and log offset, before `recordMetrics` resolves.
 * Batches that arrive in the same turn of the event loop are committed together (group
 * commit), each in its own savepoint so that one failing batch fails alone. A batch is written
 * as one buffered row of `metric_pending` (pending-batch.ts: a few statements whatever its
 * keys), or, when the buffer book says the run's buffer is due (metric-buffer.ts), folded with
 * the run's buffered rows into chunks (metric-fold.ts). Every read merges the buffer
 * (metric-reads.ts), so a point reads the same before and after its fold; the buffered rows
 * are durable, so a crash loses nothing acknowledged, and the next open folds them.
 */
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import type { DecodedPoints } from '../../core/metrics/chunk-codec.ts';
import type { MetricBatch, MetricStore, MetricWriteResult } from '../store.ts';
import type { BufferBook, BufferedRun, KeyCounts } from './metric-buffer.ts';
import { foldRun, truncateSeries } from './metric-fold.ts';
import type { Exclusive, MetricSql } from './metric-sql.ts';
import { createScratch, encodePendingBatch } from './pending-batch.ts';
import { createPendingMirror, type PendingRow } from './pending-mirror.ts';
import { toSortedBatch } from './points.ts';

export interface MetricWriter extends Pick<MetricStore, 'recordMetrics' | 'truncateAfter'> {
  /** Folds the buffers of runs the book finds stale at `now`; resolves when committed. */
  foldStale(now: number): Promise<void>;
  /** Folds every buffered batch (on open: the book starts empty). */
  foldAll(): Promise<void>;
  /** Resolves once every batch handed to `recordMetrics` so far has been settled. */
  drain(): Promise<void>;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Batches written per transaction at most (group commit). Default: 256. */
const MAX_GROUP = 256;

/** A batch waiting for the next group commit. */
interface QueuedBatch {
  readonly batch: MetricBatch;
  /** Step-sorted points per non-empty key. */
  readonly series: ReadonlyArray<readonly [string, DecodedPoints]>;
  readonly counts: KeyCounts;
  readonly accepted: number;
  readonly resolve: (result: MetricWriteResult) => void;
  readonly reject: (error: unknown) => void;
}

/** What writing one batch did: folded (`tails`) or buffered (`buffered`), for the mirror and the book. */
type Written = { readonly run: BufferedRun; readonly tails: Map<string, number> | null; readonly buffered: boolean } | 'duplicate';

export interface MetricWriterOptions {
  readonly now: () => number;
  /** Called after each metric commit (the WAL checkpointer listens). */
  readonly committed?: () => void;
}

export function createMetricWriter(sql: MetricSql, exclusive: Exclusive, book: BufferBook, options: MetricWriterOptions): MetricWriter {
  const { now, committed = () => {} } = options;
  const mirror = createPendingMirror();
  /** Where buffered rows are encoded before SQLite copies them (one at a time). */
  const scratch = createScratch();
  const queue: QueuedBatch[] = [];
  /** The group commit that will take the queue, once it holds the connection; null when none is due. */
  let flushing: Promise<void> | null = null;

  /** Folds a run's buffer (and `extra`) within the caller's transaction, keeping the mirror in step. */
  function fold(run: BufferedRun, extra: PendingRow): Map<string, number> {
    const tails = foldRun(sql, run, extra, mirror.rowsOf(run.runId));
    mirror.removed(run.runId);
    return tails;
  }

  /** Runs `fn` in a write transaction; if it fails, the mirror's changes in it are lost. */
  function transaction<T>(fn: () => T): T {
    try {
      return sql.writeTransaction(fn);
    } catch (error) {
      mirror.lost();
      throw error;
    }
  }

  /** Folds runs' buffers in one transaction, then tells the book. */
  function foldRuns(runs: readonly BufferedRun[]): void {
    if (runs.length === 0) return;
    const tails = transaction(() => runs.map((run) => fold(run, [])));
    committed();
    runs.forEach((run, i) => book.folded(run, tails[i]));
  }

  /**
   * Flushes after the current turn of the event loop, so that the batches of every request
   * read in this turn join the same commit.
   */
  function scheduleFlush(): void {
    if (flushing !== null) return;
    flushing = nextTurn().then(() => exclusive(flush)).catch((error: unknown) => {
      // The connection could not be had (the store is closing): nothing was written.
      flushing = null;
      for (const item of queue.splice(0)) item.reject(error);
    });
  }

  /**
   * Group commit: writes every queued batch (up to MAX_GROUP) in one transaction, each in its
   * own savepoint so that one failing batch fails alone; settles them once committed.
   */
  function flush(): void {
    flushing = null;
    const items = queue.splice(0, MAX_GROUP);
    if (queue.length > 0) scheduleFlush();
    const outcomes: Array<Written | { error: unknown }> = [];
    try {
      transaction(() => {
        for (const item of items) {
          let written: Written;
          const version = mirror.version;
          try {
            written = sql.writeTransaction(() => writeBatch(item));
          } catch (error) {
            // The savepoint rolled back what the mirror may already have dropped.
            if (mirror.version !== version) mirror.lost();
            outcomes.push({ error });
            continue;
          }
          // The batch's savepoint held: its row stands (unless the whole group fails).
          if (written !== 'duplicate' && written.buffered) mirror.added(written.run.runId, item.series, item.accepted);
          outcomes.push(written);
        }
      });
    } catch (error) {
      for (const item of items) item.reject(error);
      return;
    }
    committed();
    items.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome === 'duplicate') return item.resolve({ accepted: 0, duplicate: true });
      if ('error' in outcome) return item.reject(outcome.error);
      if (outcome.tails !== null) book.folded(outcome.run, outcome.tails);
      else if (item.series.length > 0) book.buffered(outcome.run, item.counts, now());
      item.resolve({ accepted: item.accepted, duplicate: false });
    });
  }

  /** Writes one batch inside the group's transaction: buffered, or folded with the run's buffer. */
  function writeBatch({ batch, series, counts, accepted }: QueuedBatch): Written {
    const jobId = sql.runJobId(batch.runId);
    if (jobId === null) throw new NotFoundError('run', batch.runId);
    if (batch.batchId !== null && !sql.insertBatchId(batch.runId, batch.batchId)) return 'duplicate';
    const run: BufferedRun = { runId: batch.runId, jobId };
    let tails: Map<string, number> | null = null;
    if (series.length > 0) {
      if (book.dueWith(batch.runId, counts)) tails = fold(run, series);
      else sql.insertPending(jobId, batch.runId, accepted, encodePendingBatch(series, scratch));
    }
    if (batch.logOffset !== undefined) sql.setLogOffset(batch.runId, batch.logOffset);
    return { run, tails, buffered: series.length > 0 && tails === null };
  }

  return {
    recordMetrics(batch: MetricBatch): Promise<MetricWriteResult> {
      let series: [string, DecodedPoints][];
      try {
        series = toSortedBatch(batch.series);
      } catch (error) {
        return Promise.reject(error);
      }
      const counts = series.map(([key, points]): [string, number] => [key, points.steps.length]);
      const accepted = counts.reduce((sum, [, n]) => sum + n, 0);
      return new Promise((resolve, reject) => {
        queue.push({ batch, series, counts, accepted, resolve, reject });
        scheduleFlush();
      });
    },

    async truncateAfter(jobId: number, step: number): Promise<void> {
      if (Number.isNaN(step)) throw new ValidationError('must be a number', 'step');
      await exclusive(() => {
        transaction(() => {
          for (const r of sql.pendingRuns(jobId)) fold({ jobId, runId: r.run_id }, []);
          for (const series of sql.seriesOfJob(jobId)) truncateSeries(sql, series, step);
        });
        committed();
        book.foldedJob(jobId);
      });
    },

    async foldStale(at) {
      await exclusive(() => foldRuns(book.stale(at)));
    },

    async drain() {
      while (flushing !== null) await flushing;
    },

    async foldAll() {
      await exclusive(() => {
        foldRuns(sql.pendingRuns().map((r) => ({ jobId: r.job_id, runId: r.run_id })));
        mirror.reset();
      });
    },
  };
}
