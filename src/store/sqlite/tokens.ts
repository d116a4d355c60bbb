/** TokenStore over Kysely; no dialect-specific SQL. */
import { ConflictError } from '../../core/errors.ts';
import type { TokenRole, TokenScope } from '../../core/types.ts';
import type { TokenStore } from '../store.ts';
import type { StoreDb } from './schema.ts';

export function createTokenStore(db: StoreDb): TokenStore {
  return {
    /** Throws `ConflictError` when the id is taken. */
    async createToken(id, secretHash, scope, now, name = null) {
      const result = await db
        .insertInto('tokens')
        .values({
          id,
          secret_hash: secretHash,
          role: scope.role,
          run_id: scope.runId,
          job_id: scope.jobId,
          created_at: now,
          name,
          upstream_job_ids: scope.upstreamJobIds === undefined ? null : JSON.stringify(scope.upstreamJobIds),
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (result.numInsertedOrUpdatedRows === 0n) throw new ConflictError(`token id ${id} already exists`);
    },

    async findToken(id) {
      const row = await db
        .selectFrom('tokens')
        .select(['secret_hash', 'role', 'run_id', 'job_id', 'upstream_job_ids'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (row === undefined) return null;
      const scope: TokenScope = { role: row.role as TokenRole, runId: row.run_id, jobId: row.job_id };
      return {
        secretHash: Buffer.from(row.secret_hash),
        scope: row.upstream_job_ids === null ? scope : { ...scope, upstreamJobIds: JSON.parse(row.upstream_job_ids) as number[] },
      };
    },

    async listTokens() {
      const rows = await db
        .selectFrom('tokens')
        .select(['id', 'role', 'name', 'created_at'])
        .where('role', '!=', 'run')
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((row) => ({ id: row.id, role: row.role as TokenRole, name: row.name, createdAt: row.created_at }));
    },

    async deleteToken(id) {
      const result = await db.deleteFrom('tokens').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}
