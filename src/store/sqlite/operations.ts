/**
 * The OperationsStore of the embedded store: the online backup (SQLite's backup API through
 * better-sqlite3, on the store's own connection, so writes made meanwhile are carried into the
 * copy), the event cursors and job counts that readiness and `/metrics` read.
 */
import type Database from 'better-sqlite3';
import type { OperationsStore } from '../store.ts';
import type { StoreDb } from './schema.ts';

export function createOperationsStore(db: StoreDb, sqlite: Database.Database): OperationsStore {
  return {
    async backupDatabase(destPath) {
      await sqlite.backup(destPath);
    },
    async listEventCursors() {
      const rows = await db.selectFrom('event_cursors').select(['subscriber', 'last_id', 'updated_at']).orderBy('subscriber').execute();
      return rows.map((r) => ({ subscriber: r.subscriber, lastId: r.last_id, updatedAt: r.updated_at }));
    },
    async countJobsByState() {
      const rows = await db.selectFrom('jobs').select(['state', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('state').execute();
      return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    },
  };
}
