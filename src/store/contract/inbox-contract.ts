/** Contract of InboxStore. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError } from '../../core/errors.ts';
import type { NewInboxFile } from '../store.ts';
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
        outcome: null, reason: null, report: null, createdAt: T0, updatedAt: T0,
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
  });
}
