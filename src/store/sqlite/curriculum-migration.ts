/** Migration `0029_curricula`: curricula, the evaluations counted in their windows, their level history (core/curriculum.ts). */
import type { Kysely, Migration } from 'kysely';

// Migrations see the schema as it was when they were written, hence Kysely<any>.
type AnyDb = Kysely<any>;

export const curriculaMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('curricula')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('spec', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('level', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('entered_event_id', 'integer', (c) => c.notNull())
      .addColumn('entered_at', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('curriculum_values')
      .addColumn('curriculum', 'text', (c) => c.notNull())
      .addColumn('evaluation_id', 'integer', (c) => c.notNull())
      .addColumn('entered_event_id', 'integer', (c) => c.notNull())
      .addColumn('job_id', 'integer', (c) => c.notNull())
      .addColumn('event_id', 'integer', (c) => c.notNull())
      .addColumn('value', 'real', (c) => c.notNull())
      .addColumn('at', 'integer', (c) => c.notNull())
      // An evaluation is counted once, ever.
      .addPrimaryKeyConstraint('curriculum_values_pk', ['curriculum', 'evaluation_id'])
      .execute();
    await db.schema.createIndex('curriculum_values_window').on('curriculum_values').columns(['curriculum', 'entered_event_id', 'event_id']).execute();
    await db.schema
      .createTable('curriculum_history')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('curriculum', 'text', (c) => c.notNull())
      .addColumn('from_level', 'integer', (c) => c.notNull())
      .addColumn('to_level', 'integer', (c) => c.notNull())
      .addColumn('from_name', 'text', (c) => c.notNull())
      .addColumn('to_name', 'text', (c) => c.notNull())
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('values', 'text', (c) => c.notNull())
      .addColumn('completed', 'integer', (c) => c.notNull())
      .addColumn('cause_event_id', 'integer')
      .addColumn('by', 'text', (c) => c.notNull())
      .addColumn('at', 'integer', (c) => c.notNull())
      .execute();
    // A cause event moves a curriculum at most once (NULL causes, manual moves, are not unique).
    await db.schema.createIndex('curriculum_history_cause').unique().on('curriculum_history').columns(['curriculum', 'cause_event_id']).execute();
  },
};
