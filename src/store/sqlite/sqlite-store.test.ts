import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { runStoreContract } from '../contract/store-contract.ts';
import { createSqliteStore } from './sqlite-store.ts';
import { parseJobSpec } from '../../core/job-spec.ts';

const dir = mkdtempSync(join(tmpdir(), 'trainyard-sqlite-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runStoreContract('sqlite file', () => createSqliteStore(join(dir, `store-${n++}.db`)));
runStoreContract('sqlite :memory:', () => createSqliteStore(':memory:'));

describe('sqlite store', () => {
  it('reopens a file with its data and schema, in WAL mode', async () => {
    const path = join(dir, 'reopen.db');
    const first = await createSqliteStore(path);
    const job = await first.createJob(
      parseJobSpec({ name: 'j', command: ['true'], cwd: '/', maxRetries: 3, keepCheckpoints: 3, stopGraceSeconds: 30 }),
      1,
    );
    await first.close();
    const second = await createSqliteStore(path);
    assert.equal((await second.getJob(job.id))?.spec.name, 'j');
    await second.close();
    const raw = new Database(path, { readonly: true });
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    raw.close();
  });

  it('keeps full chunks for SDK-sized batches', async () => {
    const path = join(dir, 'chunks.db');
    const store = await createSqliteStore(path);
    const job = await store.createJob(
      parseJobSpec({ name: 'j', command: ['true'], cwd: '/', maxRetries: 3, keepCheckpoints: 3, stopGraceSeconds: 30 }),
      1,
    );
    const claimed = await store.claimJob(job.id, { logPath: '/l', resumedFrom: null, resumeStep: null }, 2);
    assert.ok(claimed);
    for (let i = 0; i < 5000; i += 50) {
      const steps = Array.from({ length: 50 }, (_, k) => i + k);
      await store.recordMetrics({
        runId: claimed.run.id,
        batchId: `b${i}`,
        series: new Map([['loss', { steps, values: steps.map(Math.sqrt), times: steps.map((s) => 1e12 + s) }]]),
      });
    }
    await store.close();
    const raw = new Database(path, { readonly: true });
    const counts = raw.prepare('select count from metric_chunks order by first_step').pluck().all();
    raw.close();
    assert.deepEqual(counts, [1000, 1000, 1000, 1000, 1000]);
  });
});
