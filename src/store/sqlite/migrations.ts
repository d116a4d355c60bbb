/**
 * Schema migrations, in code, run with Kysely's Migrator on every open. Append new entries;
 * never edit one that has shipped. Names sort in the order they apply.
 */
import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { TrainyardError } from '../../core/errors.ts';
import { evaluationsMigration } from './evaluation-migration.ts';
import { datasetsMigration } from './dataset-migration.ts';
import { registryMigration } from './registry-migration.ts';
import { retentionMigration } from './retention-migration.ts';
import { deploymentsMigration } from './deployment-migration.ts';
import { initFromMigration } from './init-from-migration.ts';
import { apiKeysMigration } from './api-key-migration.ts';
import { automationsMigration } from './automation-migration.ts';
import { studiesMigration } from './study-migration.ts';
import { remediesMigration } from './remedies-migration.ts';
import { inboxStateMigration } from './inbox-state-migration.ts';
import { curriculaMigration } from './curriculum-migration.ts';
import { artifactsMigration } from './artifact-migration.ts';
import { signInMigration } from './sign-in-migration.ts';
import { tokenScopesMigration } from './token-scopes-migration.ts';
import { auditLogMigration } from './audit-migration.ts';

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

/** The status line a run reports, kept with the job's progress. */
const progressMessage: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('jobs').addColumn('progress_message', 'text').execute();
  },
};

/** One row per (job, tag), so the job list filters by tag in SQL; filled from existing specs. */
const jobTags: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('job_tags')
      .addColumn('job_id', 'integer', (c) => c.notNull().references('jobs.id'))
      .addColumn('tag', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('job_tags_pk', ['job_id', 'tag'])
      .execute();
    await db.schema.createIndex('job_tags_tag').on('job_tags').columns(['tag', 'job_id']).execute();
    const jobs: Array<{ id: number; spec: string }> = await db.selectFrom('jobs').select(['id', 'spec']).execute();
    for (const job of jobs) {
      const tags = [...new Set((JSON.parse(job.spec) as { tags?: string[] }).tags ?? [])];
      if (tags.length > 0) await db.insertInto('job_tags').values(tags.map((tag) => ({ job_id: job.id, tag }))).execute();
    }
  },
};

/** A run token may read its job's upstream jobs (`after`): their ids, as JSON. */
const upstreamReads: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('tokens').addColumn('upstream_job_ids', 'text').execute();
  },
};

/** The durable event log and its subscribers' cursors (core/events.ts). */
const events: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('events')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('job_id', 'integer')
      .addColumn('run_id', 'integer')
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('at', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('events_type').on('events').columns(['type', 'id']).execute();
    await db.schema.createIndex('events_job').on('events').columns(['job_id', 'id']).execute();
    await db.schema
      .createTable('event_cursors')
      .addColumn('subscriber', 'text', (c) => c.primaryKey())
      .addColumn('last_id', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'integer', (c) => c.notNull())
      .execute();
  },
};

/**
 * Runs get an executor-neutral handle (executor name + its external id). The pid and proc_start
 * columns stay: runs started by an older server are read as local handles (rows.ts).
 */
const runHandles: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('runs').addColumn('handle_executor', 'text').execute();
    await db.schema.alterTable('runs').addColumn('handle_external_id', 'text').execute();
  },
};

/**
 * Before run end was one transaction, a crash between its writes could leave a job running,
 * stopping or pausing with no running run, for ever. Such jobs go back to the queue (they
 * resume from their latest checkpoint), with the event a run end would have written.
 */
const liveJobsWithoutRuns: Migration = {
  async up(db: AnyDb) {
    const orphans: Array<{ id: number; state: string }> = await db
      .selectFrom('jobs')
      .select(['id', 'state'])
      .where('state', 'in', ['running', 'stopping', 'pausing'])
      .where((eb: any) => eb.not(eb.exists(eb.selectFrom('runs').select('runs.id').whereRef('runs.job_id', '=', 'jobs.id').where('runs.state', '=', 'running'))))
      .execute();
    const outcome = { kind: 'lost', detail: 'its run ended while the server crashed; requeued when the store was upgraded', retryable: true };
    for (const job of orphans) {
      await db.updateTable('jobs').set({ state: 'queued', stop_requested: 0, stop_reason: null, outcome: JSON.stringify(outcome) }).where('id', '=', job.id).execute();
      await db.insertInto('events').values({
        type: 'job.state_changed',
        job_id: job.id,
        run_id: null,
        data: JSON.stringify({ from: job.state, to: 'queued', transition: 'run-ended', outcome }),
        at: Date.now(),
      }).execute();
    }
  },
};

/**
 * The metric write buffer: a batch of a run is one row here, committed before it is
 * acknowledged, until it is folded into chunks (metric-writes.ts, pending-batch.ts).
 */
const metricPending: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('metric_pending')
      .ifNotExists()
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('job_id', 'integer', (c) => c.notNull().references('jobs.id'))
      .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.id'))
      .addColumn('points', 'integer', (c) => c.notNull())
      .addColumn('data', 'blob', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('metric_pending_job_run').ifNotExists().on('metric_pending').columns(['job_id', 'run_id']).execute();
  },
};

/** Retention deletes events by age (docs/operations.md#retention): an index on `at` finds them. */
const retentionIndexMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema.createIndex('events_at').ifNotExists().on('events').columns(['at']).execute();
  },
};

/** All migrations by name. */
export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_initial': initial,
  '0003_scheduling': scheduling,
  '0002_token_names': tokenNames,
  '0004_inbox': inbox,
  '0005_datasets': datasetsMigration,
  '0006_progress_message': progressMessage,
  '0007_job_tags': jobTags,
  '0008_upstream_reads': upstreamReads,
  '0010_events': events,
  '0011_run_handles': runHandles,
  '0012_live_jobs_without_runs': liveJobsWithoutRuns,
  '0013_metric_pending': metricPending,
  '0020_registry': registryMigration,
  '0021_evaluations': evaluationsMigration,
  '0023_retention': retentionMigration,
  '0024_deployments': deploymentsMigration,
  '0022_init_from': initFromMigration,
  '0025_api_keys': apiKeysMigration,
  '0026_automations': automationsMigration,
  '0030_studies': studiesMigration,
  '0028_remedies': remediesMigration,
  '0027_inbox_state': inboxStateMigration,
  '0029_curricula': curriculaMigration,
  '0031_artifacts': artifactsMigration,
  '0034_sign_in': signInMigration,
  '0033_token_scopes': tokenScopesMigration,
  '0035_audit_log': auditLogMigration,
  '0037_retention': retentionIndexMigration,
});

/** Brings the database to the latest schema; throws `MigrationError` on failure. */
export async function migrateToLatest(db: AnyDb): Promise<void> {
  // Unordered: a migration added beside newer ones (parallel work) still applies; each is
  // independent of those after it by name.
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations }, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? null;
    throw new MigrationError(failed, { cause: error });
  }
}
