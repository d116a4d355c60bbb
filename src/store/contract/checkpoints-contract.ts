/** Contract of CheckpointStore and TokenStore. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { ConflictError } from '../../core/errors.ts';
import type { Checkpoint } from '../../core/types.ts';
import { endRun, startRun, type StoreFactory, T0, useStore } from './fixtures.ts';

export function checkpointContract(createStore: StoreFactory): void {
  describe('checkpoints', () => {
    const store = useStore(createStore);

    function cp(jobId: number, runId: number, step: number, path = `/ckpt/step-${step}.pt`): Omit<Checkpoint, 'id' | 'deleted'> {
      return { jobId, runId, step, path, bytes: 1000 + step, metrics: { loss: 1 / (step + 1) }, createdAt: T0 + step };
    }

    it('registers idempotently on (job, path, step)', async () => {
      const { job, run } = await startRun(store());
      const first = await store().registerCheckpoint(cp(job.id, run.id, 100));
      assert.deepEqual(first, { ...cp(job.id, run.id, 100), id: first.id, deleted: false });
      const again = await store().registerCheckpoint({ ...cp(job.id, run.id, 100), bytes: 1, createdAt: T0 + 999 });
      assert.deepEqual(again, first);
      const samePathLater = await store().registerCheckpoint(cp(job.id, run.id, 200, first.path));
      assert.notEqual(samePathLater.id, first.id);
      assert.equal((await store().listCheckpoints(job.id)).length, 2);
    });

    it('lists by step and finds the latest not deleted', async () => {
      const { job, run } = await startRun(store());
      const other = await startRun(store());
      assert.equal(await store().latestCheckpoint(job.id), null);
      const c300 = await store().registerCheckpoint(cp(job.id, run.id, 300));
      const c100 = await store().registerCheckpoint(cp(job.id, run.id, 100));
      const c200 = await store().registerCheckpoint(cp(job.id, run.id, 200));
      await store().registerCheckpoint(cp(other.job.id, other.run.id, 900));
      assert.deepEqual((await store().listCheckpoints(job.id)).map((c) => c.step), [100, 200, 300]);
      assert.deepEqual(await store().latestCheckpoint(job.id), c300);

      await store().markCheckpointDeleted(c300.id, T0);
      assert.deepEqual(await store().latestCheckpoint(job.id), c200);
      assert.equal((await store().listCheckpoints(job.id)).find((c) => c.id === c300.id)?.deleted, true);
      await store().markCheckpointDeleted(c200.id, T0);
      await store().markCheckpointDeleted(c100.id, T0);
      assert.equal(await store().latestCheckpoint(job.id), null);
    });

    it('lists the checkpoints of several jobs in one read, as listCheckpoints of each gives them', async () => {
      const a = await startRun(store());
      const b = await startRun(store());
      const none = await startRun(store());
      for (const step of [300, 100, 200]) await store().registerCheckpoint(cp(a.job.id, a.run.id, step));
      await store().registerCheckpoint(cp(b.job.id, b.run.id, 100));
      await store().registerCheckpoint(cp(b.job.id, b.run.id, 100, '/ckpt/other.pt'));
      await store().markCheckpointDeleted((await store().listCheckpoints(a.job.id))[1].id, T0);
      const ids = [none.job.id, b.job.id, a.job.id, 9999, b.job.id];
      const got = await store().listCheckpointsOfJobs(ids);
      assert.deepEqual([...got.keys()], [none.job.id, b.job.id, a.job.id, 9999], 'every id once, in the order asked');
      for (const id of ids) assert.deepEqual(got.get(id), await store().listCheckpoints(id));
      assert.deepEqual(got.get(a.job.id)!.map((c) => [c.step, c.deleted]), [[100, false], [200, true], [300, false]]);
      assert.equal((await store().listCheckpointsOfJobs([])).size, 0);
    });

        it('prefers the newest of equal steps', async () => {
      const { job, run } = await startRun(store());
      await store().registerCheckpoint(cp(job.id, run.id, 50, '/ckpt/a.pt'));
      const b = await store().registerCheckpoint(cp(job.id, run.id, 50, '/ckpt/b.pt'));
      assert.equal((await store().latestCheckpoint(job.id))?.id, b.id);
    });
  });

  describe('tokens', () => {
    const store = useStore(createStore);
    const hash = (secret: string) => createHash('sha256').update(secret).digest();

    it('stores a token hash and scope, and revokes the tokens of a run', async () => {
      const { job, run } = await startRun(store());
      const other = await startRun(store());
      await store().createToken('adm', hash('s0'), { role: 'admin', runId: null, jobId: null }, T0);
      await store().createToken('run1', hash('s1'), { role: 'run', runId: run.id, jobId: job.id }, T0);
      await store().createToken('run2', hash('s2'), { role: 'run', runId: other.run.id, jobId: other.job.id }, T0);
      const found = await store().findToken('run1');
      assert.ok(found);
      assert.ok(found.secretHash.equals(hash('s1')));
      assert.deepEqual(found.scope, { role: 'run', runId: run.id, jobId: job.id });
      assert.equal(await store().findToken('missing'), null);

      await endRun(store(), run, 'failed');
      assert.equal(await store().findToken('run1'), null);
      assert.ok(await store().findToken('run2'));
      assert.deepEqual((await store().findToken('adm'))?.scope, { role: 'admin', runId: null, jobId: null });
    });

    it('keeps the upstream jobs a run token may read', async () => {
      const { job, run } = await startRun(store());
      const scope = { role: 'run', runId: run.id, jobId: job.id, upstreamJobIds: [3, 1] } as const;
      await store().createToken('run-up', hash('u'), scope, T0);
      assert.deepEqual((await store().findToken('run-up'))?.scope, scope);
      await store().createToken('run-none', hash('n'), { ...scope, upstreamJobIds: [] }, T0);
      assert.deepEqual((await store().findToken('run-none'))?.scope.upstreamJobIds, []);
    });

    it('lists admin and read tokens without secrets, and deletes one', async () => {
      const { job, run } = await startRun(store());
      await store().createToken('b-read', hash('r'), { role: 'read', runId: null, jobId: null }, T0 + 2, { name: 'wall screen' });
      await store().createToken('a-adm', hash('a'), { role: 'admin', runId: null, jobId: null }, T0 + 1);
      await store().createToken('run1', hash('s1'), { role: 'run', runId: run.id, jobId: job.id }, T0);
      assert.deepEqual(await store().listTokens(), [
        { id: 'a-adm', role: 'admin', name: null, createdAt: T0 + 1, expiresAt: null, lastUsedAt: null },
        { id: 'b-read', role: 'read', name: 'wall screen', createdAt: T0 + 2, expiresAt: null, lastUsedAt: null },
      ]);
      assert.equal(await store().deleteToken('b-read'), true);
      assert.equal(await store().deleteToken('b-read'), false);
      assert.equal(await store().findToken('b-read'), null);
      assert.deepEqual((await store().listTokens()).map((t) => t.id), ['a-adm']);
    });

    it('refuses a token id twice', async () => {
      await store().createToken('t', hash('a'), { role: 'read', runId: null, jobId: null }, T0);
      await assert.rejects(store().createToken('t', hash('b'), { role: 'read', runId: null, jobId: null }, T0), ConflictError);
      assert.ok((await store().findToken('t'))?.secretHash.equals(hash('a')));
    });
  });
}
