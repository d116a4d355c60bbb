/** Contract of RetentionPolicyStore and the CheckpointStore verbs retention uses. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotFoundError } from '../../core/errors.ts';
import { startRun, type StoreFactory, T0, useStore } from './fixtures.ts';

export function retentionContract(createStore: StoreFactory): void {
  describe('retention', () => {
    const store = useStore(createStore);

    it('lists live checkpoints oldest first, of one job or of all', async () => {
      const a = await startRun(store());
      const b = await startRun(store());
      const register = (run: { job: { id: number }; run: { id: number } }, step: number, at: number) =>
        store().registerCheckpoint({ jobId: run.job.id, runId: run.run.id, step, path: `/ckpt/${run.job.id}-${step}`, bytes: 10, metrics: {}, createdAt: at });
      const a2 = await register(a, 200, T0 + 2);
      const b1 = await register(b, 100, T0 + 1);
      const a1 = await register(a, 100, T0 + 3);
      await store().markCheckpointDeleted(a2.id, T0 + 4, 'step 200: not among the latest 1; nothing protects it');
      assert.deepEqual((await store().listLiveCheckpoints()).map((c) => c.id), [b1.id, a1.id]);
      assert.deepEqual((await store().listLiveCheckpoints(a.job.id)).map((c) => c.id), [a1.id]);

      const deleted = (await store().listEvents({ types: ['checkpoint.deleted'] })).map((e) => e.data);
      assert.deepEqual(deleted, [{ checkpointId: a2.id, step: 200, path: a2.path, reason: 'step 200: not among the latest 1; nothing protects it' }]);
      await store().markCheckpointDeleted(a2.id, T0 + 5, 'again');
      assert.equal((await store().listEvents({ types: ['checkpoint.deleted'] })).length, 1, 'marking it again writes nothing');
      await assert.rejects(store().markCheckpointDeleted(999_999, T0), NotFoundError);
    });

    it('sets, keeps and removes the global policy, each change with its event', async () => {
      assert.deepEqual(await store().getRetentionPolicy(), { policy: null, updatedAt: null, updatedBy: null });
      const policy = { keepLatest: 3, keepBest: { metric: 'heldout/score', goal: 'max' as const, count: 2 }, keepEvery: 1000 };
      assert.deepEqual(await store().setRetentionPolicy(policy, 'alice', T0), { policy, updatedAt: T0, updatedBy: 'alice' });
      assert.deepEqual(await store().setRetentionPolicy(policy, 'bob', T0 + 1), { policy, updatedAt: T0, updatedBy: 'alice' }, 'the same policy again changes nothing');
      assert.deepEqual(await store().getRetentionPolicy(), { policy, updatedAt: T0, updatedBy: 'alice' });
      assert.deepEqual(await store().setRetentionPolicy(null, 'bob', T0 + 2), { policy: null, updatedAt: T0 + 2, updatedBy: 'bob' });
      const events = await store().listEvents({ types: ['retention.policy_changed'] });
      assert.deepEqual(events.map((e) => [e.jobId, e.data]), [[null, { policy, by: 'alice' }], [null, { policy: null, by: 'bob' }]]);
    });
  });
}
