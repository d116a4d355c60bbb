/**
 * The embedded Store: SQLite through better-sqlite3. Jobs, runs, checkpoints and tokens go
 * through Kysely with no SQLite-specific SQL, so a PostgreSQL sibling can reuse those files;
 * metrics (the hot path) use prepared statements (metric-sql.ts) over pure chunk logic.
 *
 * Pipeline of `createSqliteStore`: open the file → pragmas → migrations → per-concern stores
 * (jobs, runs, metrics, checkpoints, tokens, inbox) composed into one `Store`. Everything runs on one
 * connection, one query or transaction at a time.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Store } from '../store.ts';
import { createCheckpointStore } from './checkpoints.ts';
import { createDatasetStore } from './datasets.ts';
import { createInboxStore } from './inbox.ts';
import { createJobStore } from './jobs.ts';
import { createMetricReader } from './metric-reads.ts';
import { createMetricSql, type Exclusive } from './metric-sql.ts';
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
  // The metric hot path runs prepared statements directly (see metric-sql.ts), holding
  // Kysely's connection so that it never interleaves with a Kysely transaction.
  const metricSql = createMetricSql(sqlite);
  const exclusive: Exclusive = (work) => db.connection().execute(async () => work());
  return {
    ...createJobStore(db),
    ...createRunStore(db),
    ...createMetricWriter(metricSql, exclusive),
    ...createMetricReader(metricSql, exclusive),
    ...createCheckpointStore(db),
    ...createTokenStore(db),
    ...createInboxStore(db),
    ...createDatasetStore(db),
    async close() {
      await db.destroy();
    },
  };
}
