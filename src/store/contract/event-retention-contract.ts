/**
 * Contract of the EventRetentionStore: old events up to a bound go, in bounded batches, newer
 * ones and those above the bound stay; ended jobs are listed with their logs, in end order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endRun, jobSpec, startRun, type StoreFactory, T0, useStore } from './fixtures.ts';

export function eventRetentionContract(createStore: StoreFactory): void {
  describe('event retention', () => {
    const store = useStore(createStore);

    it('deletes old events up to the bound, oldest first, at most limit at a time', async () => {
      const s = store();
      for (let i = 0; i < 6; i++) await s.createJob(jobSpec({ name: `j${i}` }), T0 + i * 1000);
      const ids = (await s.listEvents()).map((e) => e.id);
      assert.equal(ids.length, 6);
      assert.deepEqual(await s.eventTableStats(), { rows: 6, oldest: { id: ids[0], at: T0 } });
      // Old: the first five; delivered: up to the fourth.
      assert.equal(await s.deleteOldEvents({ before: T0 + 4500, upToId: ids[3], limit: 3 }), 3);
      assert.deepEqual((await s.listEvents()).map((e) => e.id), ids.slice(3));
      assert.equal(await s.deleteOldEvents({ before: T0 + 4500, upToId: ids[3], limit: 3 }), 1);
      assert.equal(await s.deleteOldEvents({ before: T0 + 4500, upToId: ids[3], limit: 3 }), 0);
      assert.deepEqual(await s.eventTableStats(), { rows: 2, oldest: { id: ids[4], at: T0 + 4000 } });
      // The cursor's reads go on from where they were.
      assert.deepEqual((await s.listEvents({ after: ids[2] })).map((e) => e.id), ids.slice(4));
      assert.equal(await s.lastEventId(), ids[5]);
      // Ids are never reused, even once every event went.
      assert.equal(await s.deleteOldEvents({ before: T0 + 10_000, upToId: ids[5], limit: 10 }), 2);
      await s.createJob(jobSpec({ name: 'after' }), T0 + 20_000);
      assert.ok((await s.listEvents())[0].id > ids[5]);
    });

    it('says the table is empty', async () => {
      assert.deepEqual(await store().eventTableStats(), { rows: 0, oldest: null });
    });

    it('lists ended jobs before a time with their logs, in end order, by page', async () => {
      const s = store();
      const a = await startRun(s, T0);
      await endRun(s, a.run, 'failed', T0 + 300);
      const b = await startRun(s, T0 + 10);
      await endRun(s, b.run, 'succeeded', T0 + 100);
      const c = await startRun(s, T0 + 20);
      await endRun(s, c.run, 'queued', T0 + 50); // may run again: not ended
      const d = await startRun(s, T0 + 400);
      await endRun(s, d.run, 'stopped', T0 + 5000); // ended after the bound
      const first = await s.listEndedJobLogs({ endedBefore: T0 + 1000, after: null, limit: 1 });
      assert.deepEqual(first, [{ jobId: b.job.id, endedAt: T0 + 100, logPaths: [b.run.logPath] }]);
      const second = await s.listEndedJobLogs({ endedBefore: T0 + 1000, after: { endedAt: T0 + 100, jobId: b.job.id }, limit: 5 });
      assert.deepEqual(second.map((j) => [j.jobId, j.endedAt]), [[a.job.id, T0 + 300]]);
    });
  });
}
