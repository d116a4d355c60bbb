/**
 * Migration `0022_init_from`: what a job's `from:` resolved to at submit. The checkpoint id is a
 * column of its own (retention asks which live jobs start from a job's checkpoints); the rest of
 * the resolution (the checkpoint's job and step, the model version named) is kept as JSON.
 */
import type { Kysely, Migration } from 'kysely';

// Migrations see the schema as it was when they were written, hence Kysely<any>.
type AnyDb = Kysely<any>;

export const initFromMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('jobs').addColumn('init_from_checkpoint_id', 'integer', (c) => c.references('checkpoints.id')).execute();
    await db.schema.alterTable('jobs').addColumn('init_from', 'text').execute();
    await db.schema.createIndex('jobs_init_from_checkpoint').on('jobs').column('init_from_checkpoint_id').execute();
  },
};
