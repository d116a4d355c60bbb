/**
 * The embedded Store: SQLite through better-sqlite3. Jobs, runs, checkpoints and tokens go
 * through Kysely with no SQLite-specific SQL, so a PostgreSQL sibling can reuse those files;
 * metrics (the hot path) use prepared statements (metric-sql.ts) over pure chunk logic.
 *
 * Pipeline of `createSqliteStore`: open the file → pragmas → migrations → fold the metric
 * write buffer a crash left → per-concern stores (jobs, runs, metrics, checkpoints, tokens,
 * inbox, …) composed into one `Store`. Everything runs on one connection, one query or
 * transaction at a time; only WAL checkpoints run on a second one, on a worker thread.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Store } from '../store.ts';
import { createApiKeyStore } from './api-keys.ts';
import { createArtifactStore } from './artifacts.ts';
import { createAutomationStore } from './automations.ts';
import { createStudyStore } from './studies.ts';
import { createCheckpointStore } from './checkpoints.ts';
import { createCurriculumStore } from './curricula.ts';
import { createDatasetStore } from './datasets.ts';
import { createDeploymentStore } from './deployments.ts';
import { createEvaluationStore } from './evaluations.ts';
import { createEventNotifier, createEventStore } from './events.ts';
import { createInboxStore } from './inbox.ts';
import { createJobStore } from './jobs.ts';
import { createMetricReader } from './metric-reads.ts';
import { createMetricSql, type Exclusive } from './metric-sql.ts';
import { type BufferLimits, createBufferBook, DEFAULT_BUFFER_LIMITS } from './metric-buffer.ts';
import { createMetricWriter, type MetricWriter } from './metric-writes.ts';
import { migrateToLatest } from './migrations.ts';
import { createRegistryStore } from './registry.ts';
import { createRetentionPolicyStore } from './retention.ts';
import { createRunStore } from './runs.ts';
import type { StoreSchema } from './schema.ts';
import { createCachingDatabase } from './statement-cache.ts';
import { createTokenStore } from './tokens.ts';
import { createOperationsStore } from './operations.ts';
import { createEventRetentionStore } from './event-retention.ts';
import { createSignInStore } from './sign-in.ts';
import { createAuditStore } from './audit.ts';
import { createWalCheckpointer } from './wal-checkpointer.ts';

/** How long a statement waits for another process's write lock, in ms. Default: 5000. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Bytes of the database file read through a memory map instead of a read call per page.
 * Default: 1 GiB. A bucketed read of a long series fetches ~1,000 chunk blobs; mapped, that
 * took half the time (README.md). Pages count in memory only once read, and the kernel may
 * drop them again: an idle server is no bigger for it.
 */
const MMAP_BYTES = 1 << 30;

export interface SqliteStoreOptions {
  /** Limits of the metric write buffer (metric-buffer.ts). Default: DEFAULT_BUFFER_LIMITS. */
  readonly metricBuffer?: Partial<BufferLimits>;
}

/**
 * Opens (creating if needed) the SQLite database at `path` and migrates it. `":memory:"` gives
 * a private in-memory database.
 *
 * Pragmas: WAL journal (readers never block the writer), synchronous=NORMAL (a commit survives
 * a crash of this process; only an OS crash or power loss can lose the last commits), foreign
 * keys on, busy_timeout, mmap_size. WAL checkpoints run on a worker thread (wal-checkpointer.ts).
 */
export async function createSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<Store> {
  const sqlite = new Database(path);
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    sqlite.pragma(`mmap_size = ${MMAP_BYTES}`);
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
  const limits: BufferLimits = { ...DEFAULT_BUFFER_LIMITS, ...options.metricBuffer };
  const checkpointer = path === ':memory:' || path === '' ? null : createWalCheckpointer(path, (pages) => sqlite.pragma(`wal_autocheckpoint = ${pages}`));
  const metricWriter = createMetricWriter(metricSql, exclusive, createBufferBook(limits), { now: Date.now, committed: () => checkpointer?.written() });
  // Batches a crash left in the write buffer are folded now: the buffer book starts empty.
  try {
    await metricWriter.foldAll();
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const sweep = startFoldSweep(metricWriter, limits.foldAfterMs);
  const notifier = createEventNotifier();
  return {
    ...createEventStore(db, notifier),
    ...createJobStore(db, notifier),
    ...createRunStore(db),
    recordMetrics: metricWriter.recordMetrics,
    truncateAfter: metricWriter.truncateAfter,
    ...createMetricReader(metricSql, exclusive),
    ...createCheckpointStore(db, notifier),
    ...createTokenStore(db),
    ...createInboxStore(db, notifier),
    ...createDatasetStore(db, notifier),
    ...createRegistryStore(db, notifier),
    ...createEvaluationStore(db, notifier),
    ...createRetentionPolicyStore(db, notifier),
    ...createDeploymentStore(db, notifier),
    ...createApiKeyStore(db, notifier),
    ...createAutomationStore(db, notifier),
    ...createStudyStore(db, notifier),
    ...createCurriculumStore(db, notifier),
    ...createArtifactStore(db, notifier),
    ...createOperationsStore(db, sqlite),
    ...createSignInStore(db),
    ...createAuditStore(db),
    ...createEventRetentionStore(db),
    async close() {
      // Buffered batches stay in the database, as after a crash; the next open folds them.
      await metricWriter.drain();
      await sweep.stop();
      await checkpointer?.close();
      await db.destroy();
    },
  };
}

/**
 * Folds stale write buffers in the background, every half `foldAfterMs`. A failed fold leaves
 * the batches buffered (reads still see them) and is reported as a process warning.
 */
function startFoldSweep(writer: MetricWriter, foldAfterMs: number): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running !== null) return;
    running = writer
      .foldStale(Date.now())
      .catch((error: unknown) => process.emitWarning(`metric write buffer: fold failed: ${String((error as Error)?.message ?? error)}`))
      .finally(() => {
        running = null;
      });
  }, Math.max(10, foldAfterMs / 2));
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
