/**
 * The SQLite file of a data directory, read without a server (backup, restore, doctor in
 * src/operations/). Opened read-only except by `rebaseDataDirPaths`, and never migrated: a
 * doctor or a backup must not change what it looks at.
 */
import Database from 'better-sqlite3';
import { migrations } from './migrations.ts';

/** Row counts a backup's manifest records and a restore compares. */
export interface DatabaseCounts {
  readonly jobs: number;
  readonly runs: number;
  readonly events: number;
  /** Checkpoint records not deleted. */
  readonly checkpoints: number;
  readonly datasetVersions: number;
  readonly metricSeries: number;
}

/** What the doctor and the backup need to know of a database file. */
export interface DatabaseFacts {
  /** Migrations recorded in the file, by name. */
  readonly migrations: readonly string[];
  readonly counts: DatabaseCounts;
  /** Live checkpoint records with their (absolute) paths. */
  readonly checkpoints: readonly { readonly id: number; readonly jobId: number; readonly path: string }[];
  /** The sha256 of every dataset version's stored content (`datasets/<sha256>/`). */
  readonly datasetContents: ReadonlySet<string>;
  /** Jobs not ended (queued, running, paused, …): their checkpoint folders may hold files not yet registered. */
  readonly liveJobIds: readonly number[];
  /** The oldest event kept (retention, docs/operations.md#retention); null when none. */
  readonly oldestEvent: { readonly id: number; readonly at: number } | null;
  /** The durable subscriber furthest behind (retention waits for it); null when none. */
  readonly slowestCursor: { readonly subscriber: string; readonly lastId: number } | null;
}

/** The migrations this code knows, by name. */
export function knownMigrations(): string[] {
  return Object.keys(migrations).sort();
}

/**
 * Copies the database at `source` to `destPath` through SQLite's online backup API: consistent
 * even while a server writes to it (the copy restarts when another connection writes).
 */
export async function backupDatabaseFile(source: string, destPath: string): Promise<void> {
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(destPath);
  } finally {
    db.close();
  }
}

/** Reads the facts of a database file (read-only). Throws when it is not a Trainyard database. */
export function readDatabaseFacts(path: string): DatabaseFacts {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const count = (sql: string) => Number((db.prepare(sql).get() as { n: number }).n);
    const hasTable = (name: string) => db.prepare(`select 1 from sqlite_master where type = 'table' and name = ?`).get(name) !== undefined;
    const migrationNames = hasTable('kysely_migration') ? (db.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map((r) => r.name) : [];
    const datasets = hasTable('dataset_versions');
    return {
      migrations: migrationNames,
      counts: {
        jobs: count('select count(*) as n from jobs'),
        runs: count('select count(*) as n from runs'),
        events: count('select count(*) as n from events'),
        checkpoints: count('select count(*) as n from checkpoints where deleted = 0'),
        datasetVersions: datasets ? count('select count(*) as n from dataset_versions') : 0,
        metricSeries: count('select count(*) as n from metric_series'),
      },
      checkpoints: (db.prepare('select id, job_id as jobId, path from checkpoints where deleted = 0 order by id').all() as { id: number; jobId: number; path: string }[]),
      liveJobIds: (db.prepare(`select id from jobs where state not in ('succeeded', 'failed', 'stopped') order by id`).all() as { id: number }[]).map((r) => r.id),
      oldestEvent: (db.prepare('select id, at from events order by id limit 1').get() as { id: number; at: number } | undefined) ?? null,
      slowestCursor: (db.prepare('select subscriber, last_id as lastId from event_cursors order by last_id, subscriber limit 1').get() as { subscriber: string; lastId: number } | undefined) ?? null,
      datasetContents: new Set(datasets ? (db.prepare('select distinct sha256 from dataset_versions').all() as { sha256: string }[]).map((r) => r.sha256) : []),
    };
  } finally {
    db.close();
  }
}

/**
 * Rewrites the absolute paths a database holds (checkpoint files, evaluated checkpoints, run
 * logs, inbox files) from under one of `from` to under `to`: a restored data directory lies
 * elsewhere than the one backed up. Event payloads keep the paths they were written with
 * (history). Returns the number of rows changed.
 */
export function rebaseDataDirPaths(path: string, from: readonly string[], to: string): number {
  const db = new Database(path, { fileMustExist: true });
  try {
    const columns: readonly [string, string][] = [['checkpoints', 'path'], ['evaluations', 'checkpoint_path'], ['runs', 'log_path'], ['inbox_files', 'path'], ['inbox_files', 'next_path']];
    let changed = 0;
    db.transaction(() => {
      for (const root of new Set(from)) {
        if (root === to) continue;
        const prefix = root.endsWith('/') ? root : `${root}/`;
        for (const [table, column] of columns) {
          const exists = db.prepare(`select 1 from pragma_table_info(?) where name = ?`).get(table, column) !== undefined;
          if (!exists) continue;
          changed += db.prepare(`update ${table} set ${column} = ? || substr(${column}, ?) where substr(${column}, 1, ?) = ?`)
            .run(`${to.endsWith('/') ? to.slice(0, -1) : to}/`, prefix.length + 1, prefix.length, prefix).changes;
        }
      }
    })();
    return changed;
  } finally {
    db.close();
  }
}

/**
 * Forgets the process handles of runs not ended (pid, executor handle): a restored data
 * directory must never adopt the source's processes (same machine: same pids). Its server's
 * recovery then finds those runs lost, as after a crash that took their processes. Returns the
 * number of runs detached.
 */
export function detachLiveRuns(path: string): number {
  const db = new Database(path, { fileMustExist: true });
  try {
    return db.prepare('update runs set pid = null, proc_start = null, handle_executor = null, handle_external_id = null where ended_at is null').run().changes;
  } finally {
    db.close();
  }
}
