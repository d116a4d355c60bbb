/** Migration `0024_deployments`: deploy targets and deployments (deployment-schema.ts). */
import type { Kysely, Migration } from 'kysely';

// Migrations see the schema as it was when they were written, hence Kysely<any>.
type AnyDb = Kysely<any>;

export const deploymentsMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('deploy_targets')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('alias', 'text', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('smoke', 'text')
      .addColumn('watch', 'text', (c) => c.notNull())
      .addColumn('current_version', 'integer')
      .addColumn('current_checkpoint_id', 'integer')
      .addColumn('current_deployment_id', 'integer')
      .addColumn('current_since', 'integer')
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'integer', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('deployments')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('checkpoint_id', 'integer', (c) => c.notNull())
      .addColumn('previous_version', 'integer')
      .addColumn('previous_checkpoint_id', 'integer')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('steps', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('failed_step', 'text')
      .addColumn('cause', 'text')
      .addColumn('requested_by', 'text', (c) => c.notNull())
      .addColumn('move_alias', 'text')
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addColumn('ended_at', 'integer')
      .execute();
    await db.schema.createIndex('deployments_target').on('deployments').columns(['target', 'id']).execute();
    await db.schema.createIndex('deployments_state').on('deployments').column('state').execute();
  },
};
