/**
 * The embedded Store: SQLite through better-sqlite3, queries through Kysely so that a
 * PostgreSQL sibling can reuse them (the per-concern files here hold no SQLite-specific SQL).
 *
 * Pipeline of `createSqliteStore`: open the file → pragmas → migrations → per-concern stores
 * (jobs, runs, metrics, checkpoints, tokens) composed into one `Store`. Kysely's SQLite driver
 * runs every query and transaction on one connection, one at a time.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Store } from '../store.ts';
import { createCheckpointStore } from './checkpoints.ts';
import { createJobStore } from './jobs.ts';
import { createMetricReader } from './metric-reads.ts';
import { createMetricWriter } from './metric-writes.ts';
import { migrateToLatest } from './migrations.ts';
import { createRunStore } from './runs.ts';
import type { StoreSchema } from './schema.ts';
import { createCachingDatabase } from './statement-cache.ts';
import { createTokenStore } from './tokens.ts';

/** How long a statement waits for another process's write lock, in ms. Default: 5000. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) the SQLite database at `path` and migrates it. `":memory:"` gives
 * a private in-memory database.
 *
 * Pragmas: WAL journal (readers never block the writer), synchronous=NORMAL (a commit survives
 * a crash of this process; only an OS crash or power loss can lose the last commits), foreign
 * keys on, busy_timeout.
 */
export async function createSqliteStore(path: string): Promise<Store> {
  const sqlite = new Database(path);
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const db = new Kysely<StoreSchema>({ dialect: new SqliteDialect({ database: createCachingDatabase(sqlite) }) });
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return {
    ...createJobStore(db),
    ...createRunStore(db),
    ...createMetricWriter(db),
    ...createMetricReader(db),
    ...createCheckpointStore(db),
    ...createTokenStore(db),
    async close() {
      await db.destroy();
    },
  };
}
