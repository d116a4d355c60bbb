/** Contract of SignInStore: a code exchanged once for a session, sessions found, touched, ended. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError } from '../../core/errors.ts';
import { type StoreFactory, T0, useStore } from './fixtures.ts';

export function signInContract(createStore: StoreFactory): void {
  describe('sign-in codes and sessions', () => {
    const store = useStore(createStore);
    const code = 'c0'.repeat(32);
    const session = (id: string) => ({ id, secretHash: 'ee'.repeat(32), expiresAt: T0 + 10_000 });

    it('exchanges a code once for a session of its role; a second exchange is refused as used', async () => {
      await store().createSignInCode({ codeHash: code, role: 'read', expiresAt: T0 + 300 }, T0);
      await assert.rejects(store().createSignInCode({ codeHash: code, role: 'admin', expiresAt: T0 + 300 }, T0), ConflictError);
      assert.deepEqual(await store().redeemSignInCode(code, session('00000000000000a1'), T0 + 1), { ok: true, role: 'read' });
      assert.deepEqual(await store().findSession('00000000000000a1'), {
        id: '00000000000000a1', secretHash: 'ee'.repeat(32), role: 'read', createdAt: T0 + 1, lastSeenAt: T0 + 1, expiresAt: T0 + 10_000,
      });
      assert.deepEqual(await store().redeemSignInCode(code, session('00000000000000a2'), T0 + 2), { ok: false, reason: 'used' });
      assert.equal(await store().findSession('00000000000000a2'), null, 'a refused exchange stores no session');
    });

    it('refuses an expired code and an unknown one', async () => {
      await store().createSignInCode({ codeHash: code, role: 'admin', expiresAt: T0 + 300 }, T0);
      assert.deepEqual(await store().redeemSignInCode(code, session('00000000000000b1'), T0 + 300), { ok: false, reason: 'expired' });
      assert.deepEqual(await store().redeemSignInCode('ff'.repeat(32), session('00000000000000b2'), T0), { ok: false, reason: 'unknown' });
    });

    it('touches and ends sessions; making a code tidies away what is past its end', async () => {
      await store().createSignInCode({ codeHash: code, role: 'admin', expiresAt: T0 + 300 }, T0);
      await store().redeemSignInCode(code, session('00000000000000c1'), T0);
      await store().touchSession('00000000000000c1', T0 + 50);
      assert.equal((await store().findSession('00000000000000c1'))?.lastSeenAt, T0 + 50);
      await store().touchSession('00000000000000c1', T0 + 10);
      assert.equal((await store().findSession('00000000000000c1'))?.lastSeenAt, T0 + 50, 'never moves back');
      assert.equal(await store().deleteSession('00000000000000c1'), true);
      assert.equal(await store().deleteSession('00000000000000c1'), false);

      await store().createSignInCode({ codeHash: 'c1'.repeat(32), role: 'admin', expiresAt: T0 + 300 }, T0);
      await store().redeemSignInCode('c1'.repeat(32), session('00000000000000c2'), T0);
      await store().createSignInCode({ codeHash: 'c2'.repeat(32), role: 'admin', expiresAt: T0 + 20_300 }, T0 + 10_000);
      assert.equal(await store().findSession('00000000000000c2'), null, 'a session past its absolute end is deleted');
      assert.deepEqual(await store().redeemSignInCode(code, session('00000000000000c3'), T0 + 10_000), { ok: false, reason: 'unknown' }, 'an expired code is deleted');
    });
  });
}
