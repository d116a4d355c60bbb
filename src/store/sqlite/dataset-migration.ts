/** Migration `0005_datasets`: dataset versions, their validations, lineage and user formats. */
import type { Kysely, Migration } from 'kysely';

// Migrations see the schema as it was when they were written, hence Kysely<any>.
type AnyDb = Kysely<any>;

export const datasetsMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('dataset_versions')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('format', 'text', (c) => c.notNull())
      .addColumn('bytes', 'integer', (c) => c.notNull())
      .addColumn('files', 'integer', (c) => c.notNull())
      .addColumn('rows', 'integer', (c) => c.notNull())
      .addColumn('rows_exact', 'integer', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addUniqueConstraint('dataset_versions_name_version', ['name', 'version'])
      .addUniqueConstraint('dataset_versions_name_sha256', ['name', 'sha256'])
      .execute();

    await db.schema
      .createTable('dataset_validations')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('version_id', 'integer', (c) => c.notNull().references('dataset_versions.id'))
      .addColumn('level', 'text', (c) => c.notNull())
      .addColumn('passed', 'integer', (c) => c.notNull())
      .addColumn('errors', 'integer', (c) => c.notNull())
      .addColumn('warnings', 'integer', (c) => c.notNull())
      .addColumn('errors_by_level', 'text', (c) => c.notNull())
      .addColumn('eval_sets', 'text', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('report', 'text', (c) => c.notNull())
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('dataset_validations_version').on('dataset_validations').column('version_id').execute();

    await db.schema
      .createTable('dataset_uses')
      .addColumn('version_id', 'integer', (c) => c.notNull().references('dataset_versions.id'))
      .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.id'))
      .addColumn('job_id', 'integer', (c) => c.notNull().references('jobs.id'))
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('dataset_uses_pk', ['version_id', 'run_id', 'role'])
      .execute();
    await db.schema.createIndex('dataset_uses_run').on('dataset_uses').column('run_id').execute();

    await db.schema
      .createTable('dataset_formats')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .execute();
  },
};
