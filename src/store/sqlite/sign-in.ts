/** SignInStore over Kysely; no dialect-specific SQL. */
import { ConflictError } from '../../core/errors.ts';
import type { SignInRole } from '../../core/sign-in.ts';
import type { SignInStore } from '../sign-in-store.ts';
import type { SignInSchema } from './sign-in-schema.ts';
import type { StoreDb } from './schema.ts';

export function createSignInStore(storeDb: StoreDb): SignInStore {
  const db = storeDb.withTables<SignInSchema>();

  return {
    async createSignInCode(code, now) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('sign_in_codes').where('expires_at', '<=', now).execute();
        await trx.deleteFrom('sessions').where('expires_at', '<=', now).execute();
        const inserted = await trx
          .insertInto('sign_in_codes')
          .values({ code_hash: code.codeHash, role: code.role, created_at: now, expires_at: code.expiresAt, used_at: null })
          .onConflict((oc) => oc.column('code_hash').doNothing())
          .executeTakeFirst();
        if (inserted.numInsertedOrUpdatedRows === 0n) throw new ConflictError('this sign-in code exists already');
      });
    },

    async redeemSignInCode(codeHash, session, now) {
      return db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('sign_in_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
        if (!row) return { ok: false, reason: 'unknown' } as const;
        if (row.used_at !== null) return { ok: false, reason: 'used' } as const;
        if (now >= row.expires_at) return { ok: false, reason: 'expired' } as const;
        await trx.updateTable('sign_in_codes').set({ used_at: now }).where('code_hash', '=', codeHash).execute();
        await trx
          .insertInto('sessions')
          .values({ id: session.id, secret_hash: session.secretHash, role: row.role, created_at: now, last_seen_at: now, expires_at: session.expiresAt })
          .execute();
        return { ok: true, role: row.role as SignInRole } as const;
      });
    },

    async findSession(id) {
      const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return null;
      return { id: row.id, secretHash: row.secret_hash, role: row.role as SignInRole, createdAt: row.created_at, lastSeenAt: row.last_seen_at, expiresAt: row.expires_at };
    },

    async touchSession(id, now) {
      await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).where('last_seen_at', '<', now).execute();
    },

    async deleteSession(id) {
      const result = await db.deleteFrom('sessions').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}
