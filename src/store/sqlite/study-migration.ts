/** Migration `0030_studies`: studies and their trials (core/study.ts, docs/studies.md). */
import type { Kysely, Migration } from 'kysely';

// Migrations see the schema as it was when they were written, hence Kysely<any>.
type AnyDb = Kysely<any>;

export const studiesMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('studies')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('spec', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('trial_count', 'integer', (c) => c.notNull())
      .addColumn('parallelism', 'integer', (c) => c.notNull())
      .addColumn('breaker_since', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('study_trials')
      .addColumn('study_id', 'integer', (c) => c.notNull().references('studies.id').onDelete('cascade'))
      .addColumn('idx', 'integer', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('seed', 'real')
      .addColumn('grp', 'integer', (c) => c.notNull())
      // A job is at most one trial's; a trial at most one job's (set once, in the launch transaction).
      .addColumn('job_id', 'integer', (c) => c.unique().references('jobs.id'))
      .addColumn('launched_at', 'integer')
      .addColumn('decision', 'text')
      .addColumn('decision_step', 'integer')
      .addColumn('held', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('study_trials_pk', ['study_id', 'idx'])
      .execute();
  },
};
