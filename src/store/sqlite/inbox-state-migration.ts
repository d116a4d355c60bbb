/**
 * Migration `0027_inbox_state`: the dataset version a dropped file became (a template with
 * `dataset:`), so that the inbox's listing names it and a restart does not register it again.
 */
import type { Kysely, Migration } from 'kysely';

// Migrations see the schema as it was when they were written, hence Kysely<any>.
type AnyDb = Kysely<any>;

export const inboxStateMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('inbox_files').addColumn('dataset_version_id', 'integer', (c) => c.references('dataset_versions.id')).execute();
  },
};
