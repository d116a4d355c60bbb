/**
 * Contract of the token scopes (migration 0033): a token's expiry and last use, and the token
 * that submitted a job. The older token cases are in checkpoints-contract.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { type StoreFactory, T0, jobSpec, useStore } from './fixtures.ts';

export function tokenScopeContract(createStore: StoreFactory): void {
  describe('token scopes', () => {
    const store = useStore(createStore);
    const hash = (secret: string) => createHash('sha256').update(secret).digest();
    const person = (role: 'submit' | 'deploy' | 'read') => ({ role, runId: null, jobId: null });

    it('keeps every person role, its expiry and name; lists them with expiry and last use', async () => {
      await store().createToken('s', hash('s'), person('submit'), T0, { name: 'alice', expiresAt: T0 + 1000 });
      await store().createToken('d', hash('d'), person('deploy'), T0 + 1);
      const found = await store().findToken('s');
      assert.deepEqual({ ...found, secretHash: undefined }, { secretHash: undefined, scope: person('submit'), expiresAt: T0 + 1000, lastUsedAt: null });
      assert.deepEqual(await store().listTokens(), [
        { id: 's', role: 'submit', name: 'alice', createdAt: T0, expiresAt: T0 + 1000, lastUsedAt: null },
        { id: 'd', role: 'deploy', name: null, createdAt: T0 + 1, expiresAt: null, lastUsedAt: null },
      ]);
    });

    it('records the last use at most once per interval', async () => {
      await store().createToken('r', hash('r'), person('read'), T0);
      assert.equal(await store().touchToken('r', T0 + 10, 60_000), true, 'first use');
      assert.equal(await store().touchToken('r', T0 + 59_999, 60_000), false, 'within the minute: nothing written');
      assert.equal((await store().findToken('r'))?.lastUsedAt, T0 + 10);
      assert.equal(await store().touchToken('r', T0 + 60_010, 60_000), true);
      assert.equal((await store().listTokens())[0].lastUsedAt, T0 + 60_010);
      assert.equal(await store().touchToken('missing', T0), false);
    });

    it('remembers the token that submitted a job; null when none did', async () => {
      const mine = await store().createJob(jobSpec({ name: 'mine' }), T0, '0123456789abcdef');
      const server = await store().createJob(jobSpec({ name: 'made by the server' }), T0);
      assert.equal(mine.createdByToken, '0123456789abcdef');
      assert.equal((await store().getJob(mine.id))?.createdByToken, '0123456789abcdef');
      assert.equal(server.createdByToken, null);
      assert.deepEqual((await store().listJobs()).map((j) => j.createdByToken), [null, '0123456789abcdef']);
    });
  });
}
