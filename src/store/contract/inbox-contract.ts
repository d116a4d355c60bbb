/** Contract of InboxStore. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError } from '../../core/errors.ts';
import type { NewInboxFile } from '../store.ts';
import { fakeReport } from './datasets-contract.ts';
import { jobSpec, type StoreFactory, T0, useStore } from './fixtures.ts';

function dropped(name: string, sha256 = `sha-${name}`): NewInboxFile {
  return { name, sha256, priority: 'high', path: `high/${name}`, nextPath: `processing/${name}` };
}

export function inboxContract(createStore: StoreFactory): void {
  describe('inbox', () => {
    const store = useStore(createStore);

    it('records an arriving file, then follows it through processing, a job and done', async () => {
      const file = await store().recordInboxFile(dropped('a.jsonl'), T0);
      assert.deepEqual(file, {
        id: file.id, name: 'a.jsonl', sha256: 'sha-a.jsonl', priority: 'high', state: 'arriving',
        path: 'high/a.jsonl', nextPath: 'processing/a.jsonl', jobId: null, duplicateOf: null,
        outcome: null, reason: null, report: null, dataset: null, createdAt: T0, updatedAt: T0,
      });
      assert.deepEqual(await store().listOpenInboxFiles(), [file]);

      const processing = await store().completeInboxMove(file.id, T0 + 1);
      assert.equal(processing.state, 'processing');
      assert.equal(processing.path, 'processing/a.jsonl');
      assert.equal(processing.nextPath, null);

      const submitted = await store().submitInboxJob(file.id, jobSpec({ name: 'from-inbox' }), T0 + 2);
      assert.ok(submitted);
      assert.equal(submitted.file.state, 'queued');
      assert.equal(submitted.file.jobId, submitted.job.id);
      assert.equal(submitted.job.state, 'queued');
      assert.equal((await store().getJob(submitted.job.id))?.spec.name, 'from-inbox');
      assert.equal(await store().submitInboxJob(file.id, jobSpec(), T0 + 3), null, 'a second submit creates nothing');
      assert.equal((await store().listJobs()).length, 1);

      const leaving = await store().planInboxExit(file.id, { outcome: 'done', nextPath: 'done/a.jsonl', reason: null, report: null }, T0 + 4);
      assert.equal(leaving.state, 'leaving');
      assert.equal(leaving.nextPath, 'done/a.jsonl');
      const done = await store().completeInboxMove(file.id, T0 + 5);
      assert.deepEqual(
        { state: done.state, path: done.path, nextPath: done.nextPath, outcome: done.outcome, updatedAt: done.updatedAt },
        { state: 'done', path: 'done/a.jsonl', nextPath: null, outcome: 'done', updatedAt: T0 + 5 },
      );
      assert.deepEqual(await store().listOpenInboxFiles(), []);
      assert.deepEqual(await store().getInboxFile(file.id), done);
    });

    it('marks a duplicate by content unless the earlier file failed', async () => {
      const first = await store().recordInboxFile(dropped('a.jsonl', 'same'), T0);
      const second = await store().recordInboxFile(dropped('b.jsonl', 'same'), T0 + 1);
      assert.equal(second.duplicateOf, first.id);
      const other = await store().recordInboxFile(dropped('c.jsonl', 'other'), T0 + 2);
      assert.equal(other.duplicateOf, null);

      // The first copy fails; the duplicate (which fails too) counts as no original either.
      for (const f of [first, second]) {
        await store().completeInboxMove(f.id, T0 + 3);
        await store().planInboxExit(f.id, { outcome: 'failed', nextPath: `failed/${f.name}`, reason: 'bad', report: '{"ok":false}' }, T0 + 4);
      }
      const failed = await store().completeInboxMove(first.id, T0 + 5);
      assert.equal(failed.state, 'failed');
      assert.equal(failed.reason, 'bad');
      assert.equal(failed.report, '{"ok":false}');
      const third = await store().recordInboxFile(dropped('d.jsonl', 'same'), T0 + 6);
      assert.equal(third.duplicateOf, null, 'a failed file may be dropped again');
    });

    it('re-plans an exit, records a vanished file, and refuses moves out of order', async () => {
      const file = await store().recordInboxFile(dropped('a.jsonl'), T0);
      await assert.rejects(store().planInboxExit(file.id, { outcome: 'done', nextPath: 'done/a', reason: null, report: null }, T0), ConflictError);
      assert.equal(await store().submitInboxJob(file.id, jobSpec(), T0), null, 'not submitted while arriving');
      await store().completeInboxMove(file.id, T0 + 1);
      await store().planInboxExit(file.id, { outcome: 'failed', nextPath: 'failed/a.jsonl', reason: 'r', report: null }, T0 + 2);
      const replanned = await store().planInboxExit(file.id, { outcome: 'failed', nextPath: 'failed/a-2.jsonl', reason: 'r', report: null }, T0 + 3);
      assert.equal(replanned.nextPath, 'failed/a-2.jsonl');
      await store().completeInboxMove(file.id, T0 + 4);
      await assert.rejects(store().completeInboxMove(file.id, T0 + 5), ConflictError);

      const gone = await store().recordInboxFile(dropped('b.jsonl'), T0);
      await store().completeInboxMove(gone.id, T0 + 1);
      await store().planInboxExit(gone.id, { outcome: 'failed', nextPath: null, reason: 'vanished', report: null }, T0 + 2);
      const vanished = await store().completeInboxMove(gone.id, T0 + 3);
      assert.deepEqual([vanished.state, vanished.path], ['failed', null]);
    });

    it('forgets only an arriving file', async () => {
      const a = await store().recordInboxFile(dropped('a.jsonl'), T0);
      const b = await store().recordInboxFile(dropped('b.jsonl'), T0);
      await store().completeInboxMove(b.id, T0 + 1);
      await store().forgetInboxFile(a.id);
      await store().forgetInboxFile(b.id);
      assert.equal(await store().getInboxFile(a.id), null);
      assert.equal((await store().getInboxFile(b.id))?.state, 'processing');
      assert.deepEqual((await store().listOpenInboxFiles()).map((f) => f.id), [b.id]);
    });

    it('links a processing file to the dataset version it became, once', async () => {
      const file = await store().recordInboxFile(dropped('a.jsonl'), T0);
      const source = { name: 'stream', sha256: 'a'.repeat(64), format: 'chat', bytes: 10, files: 1, source: '/in/a.jsonl', path: `${'a'.repeat(64)}/a.jsonl` };
      const { version } = await store().registerDatasetVersion(source, fakeReport(), T0);
      const other = await store().registerDatasetVersion({ ...source, sha256: 'b'.repeat(64) }, fakeReport(), T0);
      await assert.rejects(store().linkInboxDataset(file.id, version.id, T0), ConflictError, 'not while arriving');
      await store().completeInboxMove(file.id, T0 + 1);
      const linked = await store().linkInboxDataset(file.id, version.id, T0 + 2);
      assert.deepEqual(linked.dataset, { id: version.id, name: 'stream', version: 1 });
      assert.deepEqual(await store().linkInboxDataset(file.id, version.id, T0 + 3), linked, 'the same link again is a no-op');
      await assert.rejects(store().linkInboxDataset(file.id, other.version.id, T0 + 3), ConflictError);
      const { file: queued } = (await store().submitInboxJob(file.id, jobSpec(), T0 + 4))!;
      assert.deepEqual(queued.dataset, linked.dataset, 'kept through the next steps');
      assert.deepEqual((await store().listOpenInboxFiles())[0].dataset, linked.dataset);
    });

    it('lists records newest first, by state, paged, and counts them by state', async () => {
      const ids: number[] = [];
      for (const name of ['a', 'b', 'c', 'd']) ids.push((await store().recordInboxFile(dropped(name), T0)).id);
      for (const id of ids.slice(1)) await store().completeInboxMove(id, T0 + 1);
      await store().planInboxExit(ids[3], { outcome: 'failed', nextPath: 'failed/d', reason: 'bad', report: null }, T0 + 2);
      await store().completeInboxMove(ids[3], T0 + 3);

      const all = await store().listInboxFiles({ limit: 10 });
      assert.deepEqual([all.files.map((f) => f.id), all.total], [[...ids].reverse(), 4]);
      const page = await store().listInboxFiles({ limit: 2, offset: 1 });
      assert.deepEqual([page.files.map((f) => f.id), page.total], [[ids[2], ids[1]], 4]);
      const some = await store().listInboxFiles({ states: ['processing', 'failed'], limit: 1 });
      assert.deepEqual([some.files.map((f) => f.id), some.total], [[ids[3]], 3]);
      assert.equal(some.files[0].reason, 'bad');
      assert.deepEqual(await store().listInboxFiles({ states: [], limit: 5 }), { files: [], total: 0 });
      assert.deepEqual(await store().countInboxFiles(), { arriving: 1, processing: 2, failed: 1 });
    });
  });
}
