/** Migration `0020_registry`: models, their versions, aliases and the alias history. */
import type { Kysely, Migration } from 'kysely';

// Migrations see the schema as it was when they were written, hence Kysely<any>.
type AnyDb = Kysely<any>;

export const registryMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('models')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('description', 'text')
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('promotion_rule', 'text')
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'integer', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('model_versions')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('model_id', 'integer', (c) => c.notNull().references('models.id'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('checkpoint_id', 'integer', (c) => c.notNull().references('checkpoints.id'))
      .addColumn('notes', 'text')
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('lineage', 'text', (c) => c.notNull())
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'integer', (c) => c.notNull())
      .addUniqueConstraint('model_versions_model_version', ['model_id', 'version'])
      .addUniqueConstraint('model_versions_model_checkpoint', ['model_id', 'checkpoint_id'])
      .execute();
    // Retention asks which checkpoints versions pin.
    await db.schema.createIndex('model_versions_checkpoint').on('model_versions').column('checkpoint_id').execute();

    await db.schema
      .createTable('model_aliases')
      .addColumn('model_id', 'integer', (c) => c.notNull().references('models.id'))
      .addColumn('alias', 'text', (c) => c.notNull())
      .addColumn('version_id', 'integer', (c) => c.notNull().references('model_versions.id'))
      .addColumn('moved_at', 'integer', (c) => c.notNull())
      .addColumn('moved_by', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addPrimaryKeyConstraint('model_aliases_pk', ['model_id', 'alias'])
      .execute();

    await db.schema
      .createTable('model_alias_moves')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('model_id', 'integer', (c) => c.notNull().references('models.id'))
      .addColumn('alias', 'text', (c) => c.notNull())
      .addColumn('from_version', 'integer')
      .addColumn('to_version', 'integer')
      .addColumn('by', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('at', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('model_alias_moves_model').on('model_alias_moves').columns(['model_id', 'alias', 'id']).execute();
  },
};
