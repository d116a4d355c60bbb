/**
 * The write buffer's rows (`metric_pending`) kept in memory too, as the points they encode, so
 * that folding a run neither reads back nor decodes what this process has just written. Only
 * an aid: a run whose rows are not all here is folded from the table, and so is every run
 * after a transaction that changed the mirror failed, until `reset` (the store calls it once
 * the table is empty).
 *
 * Changes are made as the statements succeed, inside the transaction; `lost` undoes them all
 * (by forgetting everything) when that transaction then fails.
 */
import type { DecodedPoints } from '../../core/metrics/chunk-codec.ts';

/** A buffered row as the points it holds: step-sorted points per key, as written. */
export type PendingRow = ReadonlyArray<readonly [key: string, points: DecodedPoints]>;

/** Points held at most (24 bytes each); past it, new rows of a run stay in the table only. Default: 1.5 M (36 MB). */
const MAX_POINTS = 1_500_000;

export interface PendingMirror {
  /** Counts changes: a savepoint that fails after it moved must call `lost`. */
  readonly version: number;
  /** The run's buffered rows, oldest first; null when they must be read from the table. */
  rowsOf(runId: number): readonly PendingRow[] | null;
  /** A row of the run, of `points` points, was inserted. */
  added(runId: number, row: PendingRow, points: number): void;
  /** The run's rows were deleted (folded). */
  removed(runId: number): void;
  /** A transaction with changes failed: nothing here can be trusted any more. */
  lost(): void;
  /** The table is empty and the mirror with it. */
  reset(): void;
}

export function createPendingMirror(maxPoints = MAX_POINTS): PendingMirror {
  /** Per run: its rows and their points, or 'table' when some rows are only in the table. Absent: none. */
  const runs = new Map<number, { rows: PendingRow[]; points: number } | 'table'>();
  let points = 0;
  /** False until `reset`, and after `lost`: every run is read from the table. */
  let trusted = false;
  let version = 0;

  function drop(runId: number): void {
    const held = runs.get(runId);
    if (held !== undefined && held !== 'table') points -= held.points;
    runs.delete(runId);
  }

  return {
    get version() {
      return version;
    },
    rowsOf(runId) {
      if (!trusted) return null;
      const held = runs.get(runId);
      return held === undefined ? [] : held === 'table' ? null : held.rows;
    },
    added(runId, row, n) {
      if (!trusted) return;
      version++;
      const held = runs.get(runId);
      if (held === 'table') return;
      if (points + n > maxPoints) {
        drop(runId);
        runs.set(runId, 'table');
        return;
      }
      points += n;
      if (held === undefined) runs.set(runId, { rows: [row], points: n });
      else {
        held.rows.push(row);
        held.points += n;
      }
    },
    removed(runId) {
      version++;
      drop(runId);
    },
    lost() {
      trusted = false;
      runs.clear();
      points = 0;
    },
    reset() {
      runs.clear();
      points = 0;
      trusted = true;
    },
  };
}
