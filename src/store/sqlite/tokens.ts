/** TokenStore over Kysely; no dialect-specific SQL. */
import { ConflictError } from '../../core/errors.ts';
import type { TokenRole, TokenScope } from '../../core/types.ts';
import type { TokenStore } from '../store.ts';
import type { StoreDb } from './schema.ts';

/** Default of `touchToken`'s `minIntervalMs`: last use is kept to the minute. */
const TOUCH_INTERVAL_MS = 60_000;

export function createTokenStore(db: StoreDb): TokenStore {
  return {
    async createToken(id, secretHash, scope, now, details = {}) {
      const result = await db
        .insertInto('tokens')
        .values({
          id,
          secret_hash: secretHash,
          role: scope.role,
          run_id: scope.runId,
          job_id: scope.jobId,
          created_at: now,
          name: details.name ?? null,
          upstream_job_ids: scope.upstreamJobIds === undefined ? null : JSON.stringify(scope.upstreamJobIds),
          expires_at: details.expiresAt ?? null,
          last_used_at: null,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (result.numInsertedOrUpdatedRows === 0n) throw new ConflictError(`token id ${id} already exists`);
    },

    async findToken(id) {
      const row = await db
        .selectFrom('tokens')
        .select(['secret_hash', 'role', 'run_id', 'job_id', 'upstream_job_ids', 'expires_at', 'last_used_at'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (row === undefined) return null;
      const scope: TokenScope = { role: row.role as TokenRole, runId: row.run_id, jobId: row.job_id };
      return {
        secretHash: Buffer.from(row.secret_hash),
        scope: row.upstream_job_ids === null ? scope : { ...scope, upstreamJobIds: JSON.parse(row.upstream_job_ids) as number[] },
        expiresAt: row.expires_at,
        lastUsedAt: row.last_used_at,
      };
    },

    async touchToken(id, now, minIntervalMs = TOUCH_INTERVAL_MS) {
      // Guarded in SQL, so two requests racing past the caller's check still write once.
      const result = await db
        .updateTable('tokens')
        .set({ last_used_at: now })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', now - minIntervalMs)]))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async listTokens() {
      const rows = await db
        .selectFrom('tokens')
        .select(['id', 'role', 'name', 'created_at', 'expires_at', 'last_used_at'])
        .where('role', '!=', 'run')
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((row) => ({
        id: row.id,
        role: row.role as TokenRole,
        name: row.name,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        lastUsedAt: row.last_used_at,
      }));
    },

    async deleteToken(id) {
      const result = await db.deleteFrom('tokens').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}
