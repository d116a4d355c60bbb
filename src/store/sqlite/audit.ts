/** AuditStore over Kysely; no dialect-specific SQL. Entries append no event (audit-store.ts). */
import type { Selectable } from 'kysely';
import type { AuditEntry } from '../../core/audit.ts';
import type { AuditStore } from '../audit-store.ts';
import type { AuditLogTable, AuditSchema } from './audit-schema.ts';
import type { StoreDb } from './schema.ts';

/** Entries a page holds when no limit is asked for. */
const DEFAULT_LIMIT = 100;

function entryFromRow(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    callerId: row.caller_id,
    callerName: row.caller_name,
    method: row.method,
    route: row.route,
    params: JSON.parse(row.params) as Record<string, string>,
    status: row.status,
    ip: row.ip,
    requestId: row.request_id,
  };
}

export function createAuditStore(storeDb: StoreDb): AuditStore {
  const db = storeDb.withTables<AuditSchema>();
  return {
    async recordAuditEntry(entry) {
      const row = await db
        .insertInto('audit_log')
        .values({
          at: entry.at,
          caller_id: entry.callerId,
          caller_name: entry.callerName,
          method: entry.method,
          route: entry.route,
          params: JSON.stringify(entry.params),
          status: entry.status,
          ip: entry.ip,
          request_id: entry.requestId,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return entryFromRow(row);
    },

    async listAuditEntries(query) {
      let select = db.selectFrom('audit_log').selectAll();
      if (query.callerId !== undefined) select = select.where('caller_id', '=', query.callerId);
      if (query.since !== undefined) select = select.where('at', '>=', query.since);
      if (query.until !== undefined) select = select.where('at', '<', query.until);
      if (query.method !== undefined) select = select.where('method', '=', query.method);
      if (query.route !== undefined) select = select.where('route', '=', query.route);
      if (query.minStatus !== undefined) select = select.where('status', '>=', query.minStatus);
      if (query.before !== undefined) select = select.where('id', '<', query.before);
      const rows = await select.orderBy('id', 'desc').limit(query.limit ?? DEFAULT_LIMIT).execute();
      return rows.map(entryFromRow);
    },

    async pruneAuditEntries(before) {
      const result = await db.deleteFrom('audit_log').where('at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
