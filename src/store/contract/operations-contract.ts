/**
 * Contract of the OperationsStore: the online backup writes a file, cursors and job counts
 * read what the other verbs wrote.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { jobSpec, startRun, type StoreFactory, T0, useStore } from './fixtures.ts';

export function operationsContract(createStore: StoreFactory): void {
  describe('operations', () => {
    const store = useStore(createStore);

    it('counts jobs by state', async () => {
      const s = store();
      assert.deepEqual(await s.countJobsByState(), {});
      await s.createJob(jobSpec({ name: 'a' }), T0);
      await s.createJob(jobSpec({ name: 'b' }), T0);
      await startRun(s);
      assert.deepEqual(await s.countJobsByState(), { queued: 2, running: 1 });
    });

    it('lists event cursors by subscriber', async () => {
      const s = store();
      assert.deepEqual(await s.listEventCursors(), []);
      await s.ackEvents('zeta', 7, T0);
      await s.ackEvents('alpha', 3, T0 + 1);
      assert.deepEqual(await s.listEventCursors(), [
        { subscriber: 'alpha', lastId: 3, updatedAt: T0 + 1 },
        { subscriber: 'zeta', lastId: 7, updatedAt: T0 },
      ]);
    });

    it('writes a backup of the database to a new file', async () => {
      const s = store();
      await s.createJob(jobSpec({ name: 'kept' }), T0);
      const dir = mkdtempSync(join(tmpdir(), 'ty-backup-contract-'));
      try {
        const dest = join(dir, 'copy');
        await s.backupDatabase(dest);
        assert.ok(statSync(dest).size > 0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
