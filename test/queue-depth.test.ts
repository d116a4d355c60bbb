/**
 * The scheduler sees the whole queue: with more than 10,000 queued jobs (the page it once
 * read, newest first), the oldest still starts. The queue is written straight into a fresh
 * data directory through the store, then a real server takes it over.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseJobSpec } from '../src/core/job-spec.ts';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { killRuns, REPO, startServer, tempDir, waitForJob, type TestServer } from './harness.ts';

/** One more than the page the scheduler once read. */
const QUEUED = 10_001;

describe('a deep queue', () => {
  let server: TestServer | null = null;
  after(async () => {
    if (!server) return;
    // Stopped first, so that it starts no other newer job once the running one is killed.
    await server.stop();
    killRuns(server.dataDir);
  });

  it('starts its oldest job', async () => {
    const dataDir = tempDir();
    const store = await createSqliteStore(join(dataDir, 'trainyard.db'));
    const now = Date.now();
    let oldest: number;
    try {
      oldest = (await store.createJob(parseJobSpec({ name: 'oldest', command: [process.execPath, '-e', '0'], cwd: REPO, resources: { cpus: 1 } }), now)).id;
      // Each newer job takes both CPU slots for a long time: whichever starts first holds them.
      const newer = parseJobSpec({ name: 'newer', command: [process.execPath, '-e', 'setTimeout(() => {}, 600_000)'], cwd: REPO, resources: { cpus: 2 }, stopGraceSeconds: 1 });
      for (let i = 1; i < QUEUED; i++) await store.createJob(newer, now + i);
    } finally {
      await store.close();
    }
    server = await startServer({ dataDir, env: { TRAINYARD_CPU_SLOTS: '2' } });
    const done = await waitForJob(server, oldest, ['succeeded', 'failed']);
    assert.equal(done.state, 'succeeded', JSON.stringify(done.outcome));
  });
});
