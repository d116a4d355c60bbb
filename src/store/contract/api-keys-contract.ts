/** Contract of ApiKeyStore: keys made once, listed without secrets, revoked with an event. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import { type StoreFactory, T0, useStore } from './fixtures.ts';

export function apiKeyContract(createStore: StoreFactory): void {
  describe('API keys', () => {
    const store = useStore(createStore);
    const hash = 'ab'.repeat(32);

    it('makes keys with an event, lists them oldest first, refuses a taken id', async () => {
      const made = await store().createApiKey({ id: '00000000000000aa', name: 'app', hash, target: 'chat', createdBy: 'ci' }, T0);
      assert.deepEqual(made, { id: '00000000000000aa', name: 'app', target: 'chat', createdAt: T0, revokedAt: null, createdBy: 'ci' });
      await store().createApiKey({ id: '00000000000000bb', name: 'all', hash, target: null, createdBy: 'ci' }, T0 + 1);
      await assert.rejects(store().createApiKey({ id: '00000000000000aa', name: 'x', hash, target: null, createdBy: 'ci' }, T0), ConflictError);
      assert.deepEqual((await store().listApiKeys()).map((k) => k.id), ['00000000000000aa', '00000000000000bb']);
      assert.deepEqual((await store().activeApiKeyHashes()).map((k) => [k.id, k.hash, k.target]), [['00000000000000aa', hash, 'chat'], ['00000000000000bb', hash, null]]);
      const events = await store().listEvents({ types: ['api_key.created'] });
      assert.deepEqual(events.map((e) => e.data), [
        { id: '00000000000000aa', name: 'app', target: 'chat', by: 'ci' },
        { id: '00000000000000bb', name: 'all', target: null, by: 'ci' },
      ]);
    });

    it('revokes once (again: nothing written); revoked keys are listed but not in force', async () => {
      await store().createApiKey({ id: '00000000000000aa', name: 'app', hash, target: null, createdBy: 'ci' }, T0);
      const revoked = await store().revokeApiKey('00000000000000aa', 'admin', T0 + 5);
      assert.equal(revoked.revokedAt, T0 + 5);
      assert.equal((await store().revokeApiKey('00000000000000aa', 'admin', T0 + 9)).revokedAt, T0 + 5);
      await assert.rejects(store().revokeApiKey('00000000000000ff', 'admin', T0), NotFoundError);
      assert.deepEqual((await store().listApiKeys()).map((k) => k.revokedAt), [T0 + 5]);
      assert.deepEqual(await store().activeApiKeyHashes(), []);
      const events = await store().listEvents({ types: ['api_key.revoked'] });
      assert.deepEqual(events.map((e) => e.data), [{ id: '00000000000000aa', name: 'app', target: null, by: 'admin' }]);
    });
  });
}
