import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { jobSpec } from '../store/contract/fixtures.ts';
import { checkReadiness } from './readiness.ts';

describe('checkReadiness', () => {
  it('is not ready while starting, nor while a subscriber lags beyond the bound, naming it', async () => {
    const store = await createSqliteStore(':memory:');
    try {
      for (let i = 0; i < 5; i++) await store.createJob(jobSpec({ name: `j${i}` }), 1);
      const last = await store.lastEventId();
      await store.ackEvents('slow', last - 4, 1);
      await store.ackEvents('fast', last, 1);
      const subscribers = () => ['fast', 'slow'];
      const starting = await checkReadiness({ store, subscribers, started: () => false, maxLag: 10 });
      assert.equal(starting.ready, false);
      assert.match(starting.reason!, /started: the server is still starting/);
      const lagging = await checkReadiness({ store, subscribers, started: () => true, maxLag: 3 });
      assert.equal(lagging.ready, false);
      assert.equal(lagging.reason, 'subscriber:slow: 4 events behind (bound 3)');
      const ready = await checkReadiness({ store, subscribers, started: () => true, maxLag: 4 });
      assert.deepEqual([ready.ready, ready.reason], [true, null]);
    } finally {
      await store.close();
    }
  });
});
