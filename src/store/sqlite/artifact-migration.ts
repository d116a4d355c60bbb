/** Migration `0031_artifacts`: files runs attach (core/artifacts.ts). */
import type { Kysely, Migration } from 'kysely';

// Migrations see the schema as it was when they were written, hence Kysely<any>.
type AnyDb = Kysely<any>;

export const artifactsMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('artifacts')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('job_id', 'integer', (c) => c.notNull().references('jobs.id'))
      .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('step', 'real')
      .addColumn('media_type', 'text', (c) => c.notNull())
      .addColumn('bytes', 'integer', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('artifacts_job_kind_step').on('artifacts').columns(['job_id', 'kind', 'step']).execute();
    await db.schema.createIndex('artifacts_run_name').on('artifacts').columns(['run_id', 'name']).execute();
  },
};
