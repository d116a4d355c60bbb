import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { runStoreContract } from '../contract/store-contract.ts';
import { createSqliteStore } from './sqlite-store.ts';
import type { Store } from '../store.ts';
import { parseJobSpec } from '../../core/job-spec.ts';

const dir = mkdtempSync(join(tmpdir(), 'trainyard-sqlite-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** The file of each store opened here, so the contract can reopen it. */
const paths = new WeakMap<Store, string>();
async function openFile(path: string): Promise<Store> {
  const store = await createSqliteStore(path);
  paths.set(store, path);
  return store;
}

runStoreContract('sqlite file', () => openFile(join(dir, `store-${n++}.db`)), {
  // Closing leaves buffered metric batches as they are, exactly as a crash after the commit does.
  reopen: async (store) => {
    await store.close();
    return openFile(paths.get(store)!);
  },
});
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

  it('reads the pid and /proc start time of a run started before handles as a local handle', async () => {
    const path = join(dir, 'legacy-handles.db');
    const store = await createSqliteStore(path);
    const spec = parseJobSpec({ name: 'j', command: ['true'], cwd: '/' });
    const claim = async () => (await store.claimJob((await store.createJob(spec, 1)).id, { logPath: '/l', resumedFrom: null, resumeStep: null }, 2))!.run;
    const [withStart, pidOnly, none] = [await claim(), await claim(), await claim()];
    await store.close();
    // What a server before migration 0011 wrote when it started the runs.
    const raw = new Database(path);
    raw.prepare('update runs set pid = ?, proc_start = ? where id = ?').run(4242, 987654, withStart.id);
    raw.prepare('update runs set pid = ?, proc_start = null where id = ?').run(4343, pidOnly.id);
    raw.close();
    const reopened = await createSqliteStore(path);
    assert.deepEqual((await reopened.getRun(withStart.id))?.handle, { executor: 'local', externalId: '4242@987654' });
    assert.deepEqual((await reopened.getRun(pidOnly.id))?.handle, { executor: 'local', externalId: '4343' });
    assert.equal((await reopened.getRun(none.id))?.handle, null);
    await reopened.markRunStarted(withStart.id, { executor: 'local', externalId: '5555@1' });
    assert.deepEqual((await reopened.getRun(withStart.id))?.handle, { executor: 'local', externalId: '5555@1' });
    await reopened.close();
  });

  it('commits batches that arrive together as one group, each failing or repeating alone', async () => {
    const store = await createSqliteStore(join(dir, 'group.db'));
    const job = await store.createJob(parseJobSpec({ name: 'j', command: ['true'], cwd: '/' }), 1);
    const claimed = await store.claimJob(job.id, { logPath: '/l', resumedFrom: null, resumeStep: null }, 2);
    assert.ok(claimed);
    const runId = claimed.run.id;
    const batch = (id: string, step: number, run = runId) => ({ runId: run, batchId: id, series: new Map([['loss', { steps: [step], values: [step], times: [step] }]]) });
    // Not awaited one by one: they reach the store in the same turn, so one commit takes them.
    const results = await Promise.allSettled([
      store.recordMetrics(batch('a', 1)),
      store.recordMetrics(batch('x', 2, runId + 99)),
      store.recordMetrics(batch('b', 3)),
      store.recordMetrics(batch('a', 4)),
    ]);
    assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).name)), [
      { accepted: 1, duplicate: false },
      'NotFoundError',
      { accepted: 1, duplicate: false },
      { accepted: 0, duplicate: true },
    ]);
    assert.deepEqual(Array.from((await store.readSeries(job.id, 'loss')).steps), [1, 3]);
    await store.close();
  });

  it('keeps buffered metric batches a killed process had acknowledged', async () => {
    const path = join(dir, 'killed.db');
    // 30 batches of 50 points: the first 1,000 points are folded into a chunk, the rest buffered.
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../../test/fixtures/metric-crash-writer.ts'), path, '30'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const last = await new Promise<string>((done, fail) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk;
        const line = out.trim().split('\n').at(-1) ?? '';
        if (line.startsWith('acknowledged 30 ')) done(line);
      });
      child.once('exit', (code) => fail(new Error(`the writer exited with ${code} before acknowledging 30 batches`)));
    });
    const raw = new Database(path, { readonly: true });
    const buffered = raw.prepare('select sum(points) from metric_pending').pluck().get();
    raw.close();
    child.kill('SIGKILL');
    await new Promise((done) => child.once('exit', done));
    assert.equal(buffered, 500, 'the last 10 batches were still buffered when the process was killed');

    const [, , , jobId, , runId] = last.split(' ').map(Number);
    const store = await createSqliteStore(path);
    const loss = await store.readSeries(jobId, 'loss');
    assert.deepEqual(Array.from(loss.steps), Array.from({ length: 1500 }, (_, i) => i));
    assert.deepEqual(Array.from(loss.values), Array.from({ length: 1500 }, (_, i) => Math.sin(i)));
    assert.equal(await store.getLogOffset(runId), 30);
    assert.equal((await store.recordMetrics({ runId, batchId: 'b29', series: new Map() })).duplicate, true);
    await store.close();
  });

  it('requeues, on upgrade, a live job whose run ended without it (a crash of an older server)', async () => {
    const path = join(dir, 'orphan.db');
    const store = await createSqliteStore(path);
    const job = await store.createJob(parseJobSpec({ name: 'j', command: ['true'], cwd: '/' }), 1);
    const claimed = await store.claimJob(job.id, { logPath: '/l', resumedFrom: null, resumeStep: null }, 2);
    const healthy = await store.createJob(parseJobSpec({ name: 'k', command: ['true'], cwd: '/' }), 3);
    await store.claimJob(healthy.id, { logPath: '/l', resumedFrom: null, resumeStep: null }, 4);
    await store.close();
    // What an older server left: the run ended, its job still running; the repair not yet applied.
    const raw = new Database(path);
    raw.prepare(`update runs set state = 'failed' where id = ?`).run(claimed!.run.id);
    // The repair has not run yet (migrations apply unordered: the later ones stay applied).
    raw.prepare(`delete from kysely_migration where name = '0012_live_jobs_without_runs'`).run();
    raw.close();
    const reopened = await createSqliteStore(path);
    const repaired = await reopened.getJob(job.id);
    assert.equal(repaired?.state, 'queued');
    assert.equal(repaired?.outcome?.kind, 'lost');
    assert.equal((await reopened.getJob(healthy.id))?.state, 'running', 'a job with a running run is left alone');
    const last = (await reopened.listEvents({ jobId: job.id })).at(-1);
    assert.deepEqual(last?.type === 'job.state_changed' ? [last.data.from, last.data.to] : null, ['running', 'queued']);
    await reopened.close();
  });
});
