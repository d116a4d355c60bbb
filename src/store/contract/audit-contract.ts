/** Contract of AuditStore: append, filtered newest-first pages with a cursor, retention. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NewAuditEntry } from '../../core/audit.ts';
import { type StoreFactory, T0, useStore } from './fixtures.ts';

function entry(overrides: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return {
    at: T0,
    callerId: '0123456789abcdef',
    callerName: 'ci (token 0123456789abcdef)',
    method: 'POST',
    route: '/api/v1/jobs',
    params: {},
    status: 201,
    ip: '127.0.0.1',
    requestId: 'r1',
    ...overrides,
  };
}

export function auditContract(createStore: StoreFactory): void {
  describe('audit log', () => {
    const store = useStore(createStore);

    it('records an entry as given and lists it back with an id', async () => {
      const given = entry({ params: { id: '12' }, route: '/api/v1/jobs/:id/stop', status: 200 });
      const recorded = await store().recordAuditEntry(given);
      assert.deepEqual(recorded, { ...given, id: recorded.id });
      assert.deepEqual(await store().listAuditEntries({}), [recorded]);
      const anonymous = await store().recordAuditEntry(entry({ callerId: null, callerName: 'unknown', status: 401 }));
      assert.equal(anonymous.callerId, null);
      assert.ok(anonymous.id > recorded.id, 'ids grow with insertion order');
      // Writing an entry appends no event.
      assert.deepEqual(await store().listEvents({}), []);
    });

    it('filters by caller, time, method, route and status; newest first', async () => {
      const a = await store().recordAuditEntry(entry({ at: T0 + 1 }));
      const b = await store().recordAuditEntry(entry({ at: T0 + 2, callerId: 'fedcba9876543210', method: 'DELETE', route: '/api/v1/tokens/:id', status: 204 }));
      const c = await store().recordAuditEntry(entry({ at: T0 + 3, status: 403 }));
      const ids = async (query: Parameters<ReturnType<typeof store>['listAuditEntries']>[0]) => (await store().listAuditEntries(query)).map((e) => e.id);
      assert.deepEqual(await ids({}), [c.id, b.id, a.id]);
      assert.deepEqual(await ids({ callerId: 'fedcba9876543210' }), [b.id]);
      assert.deepEqual(await ids({ since: T0 + 2 }), [c.id, b.id]);
      assert.deepEqual(await ids({ until: T0 + 2 }), [a.id]);
      assert.deepEqual(await ids({ method: 'DELETE' }), [b.id]);
      assert.deepEqual(await ids({ route: '/api/v1/jobs' }), [c.id, a.id]);
      assert.deepEqual(await ids({ minStatus: 400 }), [c.id]);
      assert.deepEqual(await ids({ callerId: '0123456789abcdef', minStatus: 200, since: T0 + 1, until: T0 + 3 }), [a.id]);
    });

    it('pages with limit and a before-id cursor', async () => {
      const made = [];
      for (let i = 0; i < 5; i++) made.push(await store().recordAuditEntry(entry({ at: T0 + i })));
      const first = await store().listAuditEntries({ limit: 2 });
      assert.deepEqual(first.map((e) => e.id), [made[4].id, made[3].id]);
      const second = await store().listAuditEntries({ limit: 2, before: first[1].id });
      assert.deepEqual(second.map((e) => e.id), [made[2].id, made[1].id]);
      const last = await store().listAuditEntries({ limit: 2, before: second[1].id });
      assert.deepEqual(last.map((e) => e.id), [made[0].id]);
    });

    it('prunes entries recorded before a time and says how many', async () => {
      await store().recordAuditEntry(entry({ at: T0 }));
      await store().recordAuditEntry(entry({ at: T0 + 10 }));
      const kept = await store().recordAuditEntry(entry({ at: T0 + 20 }));
      assert.equal(await store().pruneAuditEntries(T0 + 20), 2);
      assert.deepEqual((await store().listAuditEntries({})).map((e) => e.id), [kept.id]);
      assert.equal(await store().pruneAuditEntries(T0 + 20), 0);
    });
  });
}
