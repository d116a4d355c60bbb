/**
 * RetentionPolicyStore over Kysely; no dialect-specific SQL. The global policy is the
 * `retention` row of `settings` (migration 0023): JSON of the policy, or `null` once removed
 * (the row stays, so who removed it and when is still known).
 */
import type { Kysely, Transaction } from 'kysely';
import type { GlobalRetention, RetentionPolicy } from '../../core/retention.ts';
import type { RetentionPolicyStore } from '../store.ts';
import { appendEvents, type EventNotifier } from './events.ts';
import type { StoreDb, StoreSchema } from './schema.ts';

/** One server setting (migration `0023_retention`). */
export interface SettingTable {
  key: string;
  /** JSON. */
  value: string;
  updated_at: number;
  updated_by: string;
}

const KEY = 'retention';

type Tables = { settings: SettingTable };
type Schema = StoreSchema & Tables;

export function createRetentionPolicyStore(storeDb: StoreDb, notifier: EventNotifier): RetentionPolicyStore {
  const db = storeDb.withTables<Tables>();

  async function read(trx: Kysely<Schema> | Transaction<Schema>): Promise<GlobalRetention> {
    const row = await trx.selectFrom('settings').selectAll().where('key', '=', KEY).executeTakeFirst();
    if (!row) return { policy: null, updatedAt: null, updatedBy: null };
    return { policy: JSON.parse(row.value) as RetentionPolicy | null, updatedAt: row.updated_at, updatedBy: row.updated_by };
  }

  return {
    getRetentionPolicy: () => read(db),

    async setRetentionPolicy(policy, by, now) {
      const value = JSON.stringify(policy);
      const result = await db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('settings').select('value').where('key', '=', KEY).executeTakeFirst();
        if (row?.value === value || (row === undefined && policy === null)) return { changed: false, current: await read(trx) };
        await trx
          .insertInto('settings')
          .values({ key: KEY, value, updated_at: now, updated_by: by })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now, updated_by: by }))
          .execute();
        await appendEvents(trx as unknown as StoreDb, [{ type: 'retention.policy_changed', jobId: null, runId: null, data: { policy, by } }], now);
        return { changed: true, current: await read(trx) };
      });
      if (result.changed) notifier.notify();
      return result.current;
    },
  };
}
