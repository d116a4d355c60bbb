/** The inbox listing over real files and real SQLite: waiting files first, then records, paged. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { listInbox } from './listing.ts';

describe('inbox listing', () => {
  let root: string;
  let store: Store;
  let layout: { inbox: string; inboxConfig: string };
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'trainyard-inbox-listing-'));
    layout = { inbox: join(root, 'inbox'), inboxConfig: join(root, 'inbox.yaml') };
    store = await createSqliteStore(':memory:');
  });
  after(async () => {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('says the inbox is off and lists nothing before any folder exists', async () => {
    const listing = await listInbox({ store, layout }, { limit: 10 });
    assert.deepEqual(listing, { config: { state: 'off', message: `no ${layout.inboxConfig}` }, counts: { waiting: 0, processing: 0, done: 0, failed: 0 }, files: [], total: 0, nextOffset: null });
  });

  it('lists waiting files newest first, then records newest first, across pages', async () => {
    for (const folder of ['high', 'low']) mkdirSync(join(layout.inbox, folder), { recursive: true });
    writeFileSync(join(layout.inbox, 'high', 'old.jsonl'), 'a\n');
    utimesSync(join(layout.inbox, 'high', 'old.jsonl'), 1_000, 1_000);
    writeFileSync(join(layout.inbox, 'low', 'new.jsonl'), 'bb\n');
    writeFileSync(join(layout.inbox, 'low', 'new.jsonl.part'), 'ignored\n');
    const a = await store.recordInboxFile({ name: 'a.jsonl', sha256: 'a'.repeat(64), priority: 'normal', path: 'normal/a.jsonl', nextPath: 'processing/a.jsonl' }, 10);
    await store.completeInboxMove(a.id, 11);
    await store.planInboxExit(a.id, { outcome: 'failed', nextPath: 'failed/a.jsonl', reason: 'no template in inbox.yaml matches a.jsonl', report: null }, 12);
    await store.completeInboxMove(a.id, 13);
    const b = await store.recordInboxFile({ name: 'b.jsonl', sha256: 'b'.repeat(64), priority: 'high', path: 'high/b.jsonl', nextPath: 'processing/b.jsonl' }, 20);
    await store.completeInboxMove(b.id, 21);
    writeFileSync(layout.inboxConfig, 'templates: 3');

    const first = await listInbox({ store, layout }, { limit: 3 });
    assert.equal(first.config.state, 'invalid');
    assert.deepEqual(first.counts, { waiting: 2, processing: 1, done: 0, failed: 1 });
    assert.deepEqual(first.files.map((f) => [f.name, f.state, f.step, f.path, f.bytes]), [
      ['new.jsonl', 'waiting', null, 'low/new.jsonl', 3],
      ['old.jsonl', 'waiting', null, 'high/old.jsonl', 2],
      ['b.jsonl', 'processing', 'processing', 'processing/b.jsonl', null],
    ]);
    assert.deepEqual([first.total, first.nextOffset], [4, 3]);
    const second = await listInbox({ store, layout }, { limit: 3, offset: 3 });
    assert.deepEqual(second.files.map((f) => [f.name, f.state, f.reason]), [['a.jsonl', 'failed', 'no template in inbox.yaml matches a.jsonl']]);
    assert.equal(second.nextOffset, null);
    const failedOrWaiting = await listInbox({ store, layout }, { states: ['failed', 'waiting'], limit: 10 });
    assert.deepEqual(failedOrWaiting.files.map((f) => f.name), ['new.jsonl', 'old.jsonl', 'a.jsonl']);
    assert.deepEqual((await listInbox({ store, layout }, { states: ['done'], limit: 10 })).files, []);
  });
});
