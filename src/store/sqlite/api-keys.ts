/** ApiKeyStore over Kysely; no dialect-specific SQL. Each change is one transaction with its event. */
import type { Selectable } from 'kysely';
import type { ApiKey } from '../../core/api-keys.ts';
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type { ApiKeyStore } from '../api-key-store.ts';
import type { ApiKeySchema, ApiKeyTable } from './api-key-schema.ts';
import { appendEvents, type EventNotifier } from './events.ts';
import type { StoreDb } from './schema.ts';

function keyFromRow(row: Selectable<ApiKeyTable>): ApiKey {
  return { id: row.id, name: row.name, target: row.target, createdAt: row.created_at, revokedAt: row.revoked_at, createdBy: row.created_by };
}

export function createApiKeyStore(storeDb: StoreDb, notifier: EventNotifier): ApiKeyStore {
  const db = storeDb.withTables<ApiKeySchema>();
  const append = (trx: unknown, events: Parameters<typeof appendEvents>[1], now: number) => appendEvents(trx as StoreDb, events, now);

  return {
    async createApiKey(key, now) {
      const created = await db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('api_keys')
          .values({ id: key.id, name: key.name, hash: key.hash, target: key.target, created_at: now, revoked_at: null, created_by: key.createdBy })
          .onConflict((oc) => oc.column('id').doNothing())
          .executeTakeFirst();
        if (inserted.numInsertedOrUpdatedRows === 0n) throw new ConflictError(`API key id ${key.id} already exists`);
        await append(trx, [{ type: 'api_key.created', jobId: null, runId: null, data: { id: key.id, name: key.name, target: key.target, by: key.createdBy } }], now);
        return { id: key.id, name: key.name, target: key.target, createdAt: now, revokedAt: null, createdBy: key.createdBy };
      });
      notifier.notify();
      return created;
    },

    async listApiKeys() {
      return (await db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute()).map(keyFromRow);
    },

    async revokeApiKey(id, by, now) {
      const { key, changed } = await db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) throw new NotFoundError('API key', id);
        if (row.revoked_at !== null) return { key: keyFromRow(row), changed: false };
        await trx.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).execute();
        await append(trx, [{ type: 'api_key.revoked', jobId: null, runId: null, data: { id, name: row.name, target: row.target, by } }], now);
        return { key: keyFromRow({ ...row, revoked_at: now }), changed: true };
      });
      if (changed) notifier.notify();
      return key;
    },

    async activeApiKeyHashes() {
      const rows = await db.selectFrom('api_keys').selectAll().where('revoked_at', 'is', null).orderBy('id').execute();
      return rows.map((row) => ({ ...keyFromRow(row), hash: row.hash }));
    },
  };
}
