/**
 * Crash points of a registration, simulated on a real (in-memory SQLite) store and a temp data
 * directory: a copy under way, and content copied but never recorded. The server's start calls
 * `removeDatasetLeftovers`; `test/datasets.test.ts` checks that through a restarted server.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { ingest, INCOMING_PREFIX } from './ingest.ts';
import { removeDatasetLeftovers } from './leftovers.ts';
import { registerDataset } from './register.ts';

const root = mkdtempSync(join(tmpdir(), 'trainyard-leftovers-'));
after(() => rmSync(root, { recursive: true, force: true }));

const rows = (salt: string) =>
  Array.from({ length: 5 }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `${salt} question ${i}` }, { role: 'assistant', content: `reply ${i}` }] })).join('\n') + '\n';

describe('removeDatasetLeftovers', () => {
  it('removes partial copies and unrecorded content, keeps registered content and other files', async () => {
    const store = await createSqliteStore(':memory:');
    try {
      const datasetDir = join(root, 'datasets');
      const source = (name: string, salt: string) => {
        mkdirSync(join(root, 'src'), { recursive: true });
        writeFileSync(join(root, 'src', name), rows(salt));
        return join(root, 'src', name);
      };
      const kept = await registerDataset({ store, datasetDir, now: () => 1 }, { name: 'kept', path: source('kept.jsonl', 'a'), format: 'chat' });
      // Crash while copying: a partial copy, read-only like a finished one.
      const partial = join(datasetDir, `${INCOMING_PREFIX}x1y2z3`);
      mkdirSync(partial);
      writeFileSync(join(partial, 'half.jsonl'), rows('b').slice(0, 40));
      chmodSync(join(partial, 'half.jsonl'), 0o444);
      // Crash after the copy, before the version was recorded: exactly what registration did so far.
      const unrecorded = await ingest(source('lost.jsonl', 'c'), datasetDir);
      writeFileSync(join(datasetDir, 'NOTES.txt'), 'not ours to remove');

      const logged: string[] = [];
      const removed = await removeDatasetLeftovers(store, datasetDir, (line) => logged.push(line));
      assert.deepEqual(removed.sort(), [`${INCOMING_PREFIX}x1y2z3`, unrecorded.sha256].sort());
      assert.deepEqual(readdirSync(datasetDir).sort(), ['NOTES.txt', kept.version.sha256].sort());
      assert.equal(readFileSync(join(datasetDir, kept.version.path), 'utf8'), rows('a'));
      assert.match(logged.join('\n'), /removed 2 leftover\(s\) of interrupted registrations/);

      // Registering the lost content again works, and nothing is left over after it.
      const again = await registerDataset({ store, datasetDir, now: () => 2 }, { name: 'lost', path: source('lost.jsonl', 'c'), format: 'chat' });
      assert.equal(again.version.sha256, unrecorded.sha256);
      assert.ok(existsSync(join(datasetDir, again.version.path)));
      assert.deepEqual(await removeDatasetLeftovers(store, datasetDir), []);
    } finally {
      await store.close();
    }
  });

  it('does nothing when the datasets folder does not exist yet', async () => {
    const store = await createSqliteStore(':memory:');
    try {
      assert.deepEqual(await removeDatasetLeftovers(store, join(root, 'none')), []);
    } finally {
      await store.close();
    }
  });
});
