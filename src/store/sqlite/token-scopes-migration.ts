/**
 * Migration `0033_token_scopes`: tokens may expire and remember when they were last used, and a
 * job remembers the token that submitted it (a `submit` token controls only its own jobs).
 * Existing tokens never expire; existing jobs have no submitting token (only admins control them).
 */
import type { Kysely, Migration } from 'kysely';

// Migrations see the schema as it was when they were written, hence Kysely<any>.
type AnyDb = Kysely<any>;

export const tokenScopesMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('tokens').addColumn('expires_at', 'integer').execute();
    await db.schema.alterTable('tokens').addColumn('last_used_at', 'integer').execute();
    await db.schema.alterTable('jobs').addColumn('created_by_token', 'text').execute();
  },
};
