/**
 * The write buffer's bookkeeping: which runs have buffered batches, and when a run's buffer is
 * due to be folded into chunks. Pure in-memory state with no SQL; the rows themselves
 * (`metric_pending`) are the truth, and this book only decides when to fold them.
 *
 * A run's buffer is folded when a key's buffered points would fill the room left in its tail
 * chunk (so SDK-sized batches make full chunks, each encoded once), when it holds `maxRows`
 * batches or `maxPoints` points, or, by a background sweep, once its oldest batch is
 * `foldAfterMs` old. A batch of `directBatchPoints` or more skips the buffer (it is folded at
 * once, with whatever the run had buffered).
 */
import { CHUNK_POINTS } from './metric-chunks.ts';

export interface BufferLimits {
  /** A batch with at least this many points is written to chunks at once. Default: 5,000. */
  readonly directBatchPoints: number;
  /** Batches a run may have buffered. Default: 64. */
  readonly maxRows: number;
  /** Points a run may have buffered. Default: 20,000. */
  readonly maxPoints: number;
  /** Age at which the background sweep folds a run's buffer. Default: 10,000 ms. */
  readonly foldAfterMs: number;
}

export const DEFAULT_BUFFER_LIMITS: BufferLimits = Object.freeze({
  directBatchPoints: 5_000,
  maxRows: 64,
  maxPoints: 20_000,
  foldAfterMs: 10_000,
});

/** Runs whose tail sizes are remembered after their buffer emptied; older ones are forgotten. */
const REMEMBERED_RUNS = 1_024;

/** Points per key of one batch. */
export type KeyCounts = ReadonlyArray<readonly [key: string, points: number]>;

export interface BufferedRun {
  readonly runId: number;
  readonly jobId: number;
}

export interface BufferBook {
  /** Whether a batch of these counts should fold the run's buffer (itself included) instead of joining it. */
  dueWith(runId: number, counts: KeyCounts): boolean;
  /** A batch of the run was buffered (call after its commit). */
  buffered(run: BufferedRun, counts: KeyCounts, now: number): void;
  /** The run's buffer was folded; `tails`: points in each written key's tail chunk after it. */
  folded(run: BufferedRun, tails: ReadonlyMap<string, number>): void;
  /** The job's buffers were folded by something that did not report tail sizes (truncation). */
  foldedJob(jobId: number): void;
  /** Runs whose oldest buffered batch is at least `foldAfterMs` old at `now`. */
  stale(now: number): BufferedRun[];
}

interface RunState {
  readonly jobId: number;
  rows: number;
  points: number;
  /** When the oldest buffered batch was written; null when none is. */
  oldestAt: number | null;
  /** Buffered points per key. */
  readonly pending: Map<string, number>;
  /** Points in each key's tail chunk, as of the last fold (unknown keys: none assumed). */
  readonly tails: Map<string, number>;
}

export function createBufferBook(limits: BufferLimits = DEFAULT_BUFFER_LIMITS): BufferBook {
  const runs = new Map<number, RunState>();

  function room(state: RunState | undefined, key: string): number {
    const tail = state?.tails.get(key) ?? 0;
    return tail >= CHUNK_POINTS ? CHUNK_POINTS : CHUNK_POINTS - tail;
  }

  /** Drops the oldest runs with nothing buffered, beyond REMEMBERED_RUNS. */
  function trim(): void {
    if (runs.size <= REMEMBERED_RUNS) return;
    for (const [runId, state] of runs) {
      if (runs.size <= REMEMBERED_RUNS) return;
      if (state.rows === 0) runs.delete(runId);
    }
  }

  return {
    dueWith(runId, counts) {
      const state = runs.get(runId);
      let points = 0;
      for (const [key, n] of counts) {
        points += n;
        if ((state?.pending.get(key) ?? 0) + n >= room(state, key)) return true;
      }
      if (points >= limits.directBatchPoints) return true;
      if (state === undefined) return false;
      return state.rows + 1 >= limits.maxRows || state.points + points >= limits.maxPoints;
    },

    buffered(run, counts, now) {
      let state = runs.get(run.runId);
      if (state === undefined) {
        state = { jobId: run.jobId, rows: 0, points: 0, oldestAt: null, pending: new Map(), tails: new Map() };
        runs.set(run.runId, state);
      }
      state.rows++;
      state.oldestAt ??= now;
      for (const [key, n] of counts) {
        state.points += n;
        state.pending.set(key, (state.pending.get(key) ?? 0) + n);
      }
    },

    folded({ runId, jobId }, tails) {
      const state = runs.get(runId);
      if (state === undefined && tails.size === 0) return;
      const next: RunState = state ?? { jobId, rows: 0, points: 0, oldestAt: null, pending: new Map(), tails: new Map() };
      next.rows = 0;
      next.points = 0;
      next.oldestAt = null;
      next.pending.clear();
      for (const [key, n] of tails) next.tails.set(key, n);
      // Re-inserted last, so trimming forgets the runs that have been quiet longest.
      runs.delete(runId);
      runs.set(runId, next);
      trim();
    },

    foldedJob(jobId) {
      for (const [runId, state] of runs) if (state.jobId === jobId) runs.delete(runId);
    },

    stale(now) {
      const out: BufferedRun[] = [];
      for (const [runId, state] of runs) {
        if (state.oldestAt !== null && now - state.oldestAt >= limits.foldAfterMs) out.push({ runId, jobId: state.jobId });
      }
      return out;
    },
  };
}
