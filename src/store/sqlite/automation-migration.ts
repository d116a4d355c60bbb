/** Migration `0026_automations`: automation rules and their firings (core/automation.ts). */
import { sql, type Kysely, type Migration } from 'kysely';

// Migrations see the schema as it was when they were written, hence Kysely<any>.
type AnyDb = Kysely<any>;

export const automationsMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('automation_rules')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('spec', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('automation_firings')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('rule', 'text', (c) => c.notNull())
      .addColumn('event_id', 'integer')
      .addColumn('scheduled_at', 'integer')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('detail', 'text')
      .addColumn('value', 'real')
      .addColumn('made_job_id', 'integer')
      .addColumn('made_deployment_id', 'integer')
      .addColumn('depth', 'integer', (c) => c.notNull())
      .addColumn('started_at', 'integer', (c) => c.notNull())
      .addColumn('ended_at', 'integer')
      .addCheckConstraint('automation_firing_cause', sql`(event_id IS NULL) <> (scheduled_at IS NULL)`)
      .execute();
    // A cause fires a rule at most once, across restarts.
    await db.schema.createIndex('automation_firings_event').unique().on('automation_firings').columns(['rule', 'event_id']).execute();
    await db.schema.createIndex('automation_firings_schedule').unique().on('automation_firings').columns(['rule', 'scheduled_at']).execute();
    await db.schema.createIndex('automation_firings_made_job').on('automation_firings').column('made_job_id').execute();
    await db.schema.createIndex('automation_firings_state').on('automation_firings').column('state').execute();
  },
};
