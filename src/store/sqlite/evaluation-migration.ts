/** Migration `0021_evaluations`: eval suite versions and evaluations (evaluation-schema.ts). */
import type { Kysely, Migration } from 'kysely';

// Migrations see the schema as it was when they were written, hence Kysely<any>.
type AnyDb = Kysely<any>;

export const evaluationsMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('eval_suites')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('spec', 'text', (c) => c.notNull())
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('eval_suites_pk', ['name', 'version'])
      .execute();

    await db.schema
      .createTable('evaluations')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('suite', 'text', (c) => c.notNull())
      .addColumn('suite_version', 'integer', (c) => c.notNull())
      .addColumn('job_id', 'integer', (c) => c.notNull().references('jobs.id'))
      .addColumn('checkpoint_id', 'integer', (c) => c.notNull().references('checkpoints.id'))
      .addColumn('step', 'real', (c) => c.notNull())
      .addColumn('checkpoint_path', 'text', (c) => c.notNull())
      .addColumn('eval_job_id', 'integer', (c) => c.notNull().references('jobs.id'))
      .addColumn('trigger', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addColumn('ended_at', 'integer')
      .addColumn('result', 'text')
      .addColumn('score', 'real')
      .addColumn('override', 'text')
      // At most one evaluation per (checkpoint, suite): a replayed event cannot make a second.
      .addUniqueConstraint('evaluations_checkpoint_suite', ['checkpoint_id', 'suite'])
      .addUniqueConstraint('evaluations_eval_job', ['eval_job_id'])
      .execute();
    await db.schema.createIndex('evaluations_job').on('evaluations').columns(['job_id', 'suite']).execute();
    await db.schema.createIndex('evaluations_suite').on('evaluations').columns(['suite', 'state']).execute();
  },
};
