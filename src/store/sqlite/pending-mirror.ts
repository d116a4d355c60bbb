/**
 * The write buffer's rows (`metric_pending`) kept in memory too, so that folding a run does
 * not read back from SQLite what this process has just written. Only an aid: a run whose rows
 * are not all here is folded from the table, and so is every run after a transaction that
 * changed the mirror failed, until `reset` (the store calls it once the table is empty).
 *
 * Changes are made as the statements succeed, inside the transaction; `lost` undoes them all
 * (by forgetting everything) when that transaction then fails.
 */

/** Bytes of rows held at most; past it, new rows of a run are left in the table only. Default: 32 MiB. */
const MAX_BYTES = 32 << 20;

export interface PendingMirror {
  /** Counts changes: a savepoint that fails after it moved must call `lost`. */
  readonly version: number;
  /** The run's buffered rows, oldest first; null when they must be read from the table. */
  rowsOf(runId: number): readonly Buffer[] | null;
  /** A row of the run was inserted. */
  added(runId: number, data: Buffer): void;
  /** The run's rows were deleted (folded). */
  removed(runId: number): void;
  /** A transaction with changes failed: nothing here can be trusted any more. */
  lost(): void;
  /** The table is empty and the mirror with it. */
  reset(): void;
}

export function createPendingMirror(): PendingMirror {
  /** Per run: its rows, or 'table' when some of them are only in the table. Absent: none. */
  const runs = new Map<number, Buffer[] | 'table'>();
  let bytes = 0;
  /** False until `reset`, and after `lost`: every run is read from the table. */
  let trusted = false;
  let version = 0;

  function drop(runId: number): void {
    const rows = runs.get(runId);
    if (Array.isArray(rows)) for (const row of rows) bytes -= row.byteLength;
    runs.delete(runId);
  }

  return {
    get version() {
      return version;
    },
    rowsOf(runId) {
      if (!trusted) return null;
      const rows = runs.get(runId);
      return rows === undefined ? [] : rows === 'table' ? null : rows;
    },
    added(runId, data) {
      if (!trusted) return;
      version++;
      const rows = runs.get(runId);
      if (rows === 'table') return;
      if (bytes + data.byteLength > MAX_BYTES) {
        drop(runId);
        runs.set(runId, 'table');
        return;
      }
      bytes += data.byteLength;
      if (rows === undefined) runs.set(runId, [data]);
      else rows.push(data);
    },
    removed(runId) {
      version++;
      drop(runId);
    },
    lost() {
      trusted = false;
      runs.clear();
      bytes = 0;
    },
    reset() {
      runs.clear();
      bytes = 0;
      trusted = true;
    },
  };
}
