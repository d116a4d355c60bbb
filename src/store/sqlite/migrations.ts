/**
 * Schema migrations, in code, run with Kysely's Migrator on every open. Append new entries;
 * never edit one that has shipped. Names sort in the order they apply.
 */
import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { TrainyardError } from '../../core/errors.ts';
import { datasetsMigration } from './dataset-migration.ts';

/** A migration failed; the database is left at the last one that succeeded. */
export class MigrationError extends TrainyardError {
  override readonly code = 'migration_failed';
  constructor(readonly migration: string | null, options?: { cause?: unknown }) {
    super(`store migration ${migration ?? '(setup)'} failed`, options);
  }
}

// Migrations see the schema as it was when they were written, hence Kysely<any>.
type AnyDb = Kysely<any>;

const initial: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('jobs')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('spec', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addColumn('started_at', 'integer')
      .addColumn('ended_at', 'integer')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('not_before', 'integer')
      .addColumn('outcome', 'text')
      .addColumn('stop_requested', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('progress_step', 'real')
      .addColumn('progress_total', 'real')
      .addColumn('progress_rate', 'real')
      .addColumn('progress_eta', 'real')
      .execute();
    await db.schema.createIndex('jobs_state').on('jobs').column('state').execute();

    await db.schema
      .createTable('runs')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('job_id', 'integer', (c) => c.notNull().references('jobs.id'))
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('started_at', 'integer', (c) => c.notNull())
      .addColumn('ended_at', 'integer')
      .addColumn('pid', 'integer')
      .addColumn('proc_start', 'integer')
      .addColumn('exit_code', 'integer')
      .addColumn('signal', 'text')
      .addColumn('outcome', 'text')
      .addColumn('resumed_from', 'integer')
      .addColumn('resume_step', 'real')
      .addColumn('log_path', 'text', (c) => c.notNull())
      .addColumn('last_heartbeat_at', 'integer')
      .addColumn('log_offset', 'integer', (c) => c.notNull().defaultTo(0))
      .addUniqueConstraint('runs_job_attempt', ['job_id', 'attempt'])
      .execute();
    await db.schema.createIndex('runs_state').on('runs').column('state').execute();

    await db.schema
      .createTable('checkpoints')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('job_id', 'integer', (c) => c.notNull().references('jobs.id'))
      .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.id'))
      .addColumn('step', 'real', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('bytes', 'integer', (c) => c.notNull())
      .addColumn('metrics', 'text', (c) => c.notNull())
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
      .addUniqueConstraint('checkpoints_job_path_step', ['job_id', 'path', 'step'])
      .execute();

    await db.schema
      .createTable('tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('secret_hash', 'blob', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('run_id', 'integer', (c) => c.references('runs.id'))
      .addColumn('job_id', 'integer', (c) => c.references('jobs.id'))
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('tokens_run').on('tokens').column('run_id').execute();

    await db.schema
      .createTable('metric_series')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('job_id', 'integer', (c) => c.notNull().references('jobs.id'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('first_step', 'real', (c) => c.notNull())
      .addColumn('last_step', 'real', (c) => c.notNull())
      .addColumn('last_value', 'real')
      .addColumn('min', 'real')
      .addColumn('max', 'real')
      .addColumn('next_slot', 'integer', (c) => c.notNull().defaultTo(0))
      .addUniqueConstraint('metric_series_job_key', ['job_id', 'key'])
      .execute();

    await db.schema
      .createTable('metric_chunks')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('series_id', 'integer', (c) => c.notNull().references('metric_series.id'))
      .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.id'))
      .addColumn('slot', 'integer', (c) => c.notNull())
      .addColumn('first_step', 'real', (c) => c.notNull())
      .addColumn('last_step', 'real', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('min', 'real')
      .addColumn('max', 'real')
      .addColumn('last_value', 'real')
      .execute();
    await db.schema
      .createIndex('metric_chunks_series_step')
      .on('metric_chunks')
      .columns(['series_id', 'first_step'])
      .execute();
    await db.schema
      .createIndex('metric_chunks_series_run_step')
      .on('metric_chunks')
      .columns(['series_id', 'run_id', 'first_step'])
      .execute();

    await db.schema
      .createTable('metric_chunk_data')
      .addColumn('chunk_id', 'integer', (c) => c.primaryKey().references('metric_chunks.id'))
      .addColumn('data', 'blob', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('metric_chunk_groups')
      .addColumn('series_id', 'integer', (c) => c.notNull().references('metric_series.id'))
      .addColumn('group_no', 'integer', (c) => c.notNull())
      .addColumn('first_step', 'real', (c) => c.notNull())
      .addColumn('last_step', 'real', (c) => c.notNull())
      .addColumn('data', 'blob', (c) => c.notNull())
      .addUniqueConstraint('metric_chunk_groups_series_group', ['series_id', 'group_no'])
      .execute();

    await db.schema
      .createTable('metric_batches')
      .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.id'))
      .addColumn('batch_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('metric_batches_pk', ['run_id', 'batch_id'])
      .modifyEnd(sql`without rowid`)
      .execute();
  },
};

/** Tokens get an optional name, shown when listing them. */
const tokenNames: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('tokens').addColumn('name', 'text').execute();
  },
};

/** Priorities, pause/preempt reasons, divergence retries, and the slots each run held. */
const scheduling: Migration = {
  async up(db: AnyDb) {
    const jobColumns: Array<[string, 'text' | 'integer', ((c: any) => any)?]> = [
      ['priority_class', 'text', (c) => c.notNull().defaultTo('normal')],
      ['priority_value', 'integer', (c) => c.notNull().defaultTo(0)],
      ['queued_at', 'integer'],
      ['stop_reason', 'text'],
      ['params_override', 'text'],
    ];
    for (const [name, type, build] of jobColumns) {
      await db.schema.alterTable('jobs').addColumn(name, type, build ?? ((c) => c)).execute();
    }
    await db.updateTable('jobs').set({ queued_at: sql`created_at` }).execute();
    await db.schema.alterTable('runs').addColumn('gpus', 'text', (c) => c.notNull().defaultTo('[]')).execute();
    await db.schema.alterTable('runs').addColumn('cpus', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.createIndex('runs_started_at').on('runs').column('started_at').execute();
  },
};

/** The inbox's record of dropped files (src/inbox). */
const inbox: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('inbox_files')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('priority', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('path', 'text')
      .addColumn('next_path', 'text')
      .addColumn('job_id', 'integer', (c) => c.references('jobs.id'))
      .addColumn('duplicate_of', 'integer')
      .addColumn('outcome', 'text')
      .addColumn('reason', 'text')
      .addColumn('report', 'text')
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('inbox_files_sha256').on('inbox_files').column('sha256').execute();
    await db.schema.createIndex('inbox_files_state').on('inbox_files').column('state').execute();
  },
};

/** All migrations by name. */
export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_initial': initial,
  '0003_scheduling': scheduling,
  '0002_token_names': tokenNames,
  '0004_inbox': inbox,
  '0005_datasets': datasetsMigration,
});

/** Brings the database to the latest schema; throws `MigrationError` on failure. */
export async function migrateToLatest(db: AnyDb): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? null;
    throw new MigrationError(failed, { cause: error });
  }
}
