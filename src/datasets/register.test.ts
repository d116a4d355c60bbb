/**
 * Registration over a real (in-memory SQLite) store and a temp data directory: content-addressed
 * immutable copies, version numbers, failed versions kept, re-checks; then a job's datasets
 * pinned or refused, and a run's TRAINYARD_DATASETS with its lineage.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { ConflictError, ValidationError } from '../core/errors.ts';
import { parseJobSpec } from '../core/job-spec.ts';
import type { Store } from '../store/store.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { folderHash, ingest, sha256File } from './ingest.ts';
import { datasetsForRun, DATASET_NOT_READY, resolveJobDatasets } from './job-datasets.ts';
import { checkDataset, registerDataset, type DatasetDeps } from './register.ts';

const root = mkdtempSync(join(tmpdir(), 'trainyard-register-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const row = (u: string, a: string) => JSON.stringify({ messages: [{ role: 'user', content: u }, { role: 'assistant', content: a }] });
const lines = (count: number, salt = '') => Array.from({ length: count }, (_, i) => row(`question ${salt}${i} on the matter of item ${i}`, `a reply for ${salt}${i}`)).join('\n') + '\n';

function write(content: string, name = `d${n++}.jsonl`): string {
  const path = join(root, 'src', name);
  mkdirSync(join(root, 'src'), { recursive: true });
  writeFileSync(path, content);
  return path;
}

describe('ingest', () => {
  it('stores a read-only copy under its sha256, once', async () => {
    const datasetDir = join(root, `ds${n++}`);
    const path = write(lines(3));
    const a = await ingest(path, datasetDir);
    assert.equal(a.sha256, await sha256File(path));
    assert.equal(a.path, `${a.sha256}/${path.split('/').at(-1)}`);
    assert.equal(statSync(join(datasetDir, a.path)).mode & 0o777, 0o444);
    const b = await ingest(write(lines(3)), datasetDir);
    assert.equal(b.sha256, a.sha256);
    assert.equal(b.path, a.path, 'the same content keeps its first stored copy');
    appendFileSync(path, lines(1, 'late'));
    assert.equal(readFileSync(join(datasetDir, a.path), 'utf8'), lines(3), 'editing the source later changes nothing stored');
  });

  it('hashes a folder from its sorted per-file hashes', async () => {
    const folder = join(root, `folder${n++}`);
    mkdirSync(join(folder, 'sub'), { recursive: true });
    writeFileSync(join(folder, 'b.jsonl'), lines(2));
    writeFileSync(join(folder, 'sub', 'a.jsonl'), lines(2, 'x'));
    const got = await ingest(folder, join(root, `ds${n++}`));
    assert.equal(got.folder, true);
    assert.equal(got.files, 2);
    assert.equal(got.path, got.sha256);
    assert.equal(got.sha256, folderHash([
      { name: 'sub/a.jsonl', sha256: await sha256File(join(folder, 'sub', 'a.jsonl')) },
      { name: 'b.jsonl', sha256: await sha256File(join(folder, 'b.jsonl')) },
    ]));
  });
});

describe('registration and job datasets', () => {
  let store: Store;
  let deps: DatasetDeps;
  let clock = 1_700_000_000_000;
  beforeEach(async () => {
    await store?.close();
    store = await createSqliteStore(':memory:');
    deps = { store, datasetDir: join(root, `ds${n++}`), now: () => ++clock };
  });
  after(() => store?.close());

  const spec = (datasets: Record<string, string>, datasetLevel?: string) =>
    parseJobSpec({ command: ['python3', 'train.py'], cwd: '/tmp', datasets, ...(datasetLevel ? { datasetLevel } : {}) });

  async function refusal(promise: Promise<unknown>): Promise<{ field: string | null; message: string }> {
    try {
      await promise;
    } catch (error) {
      assert.ok(error instanceof ValidationError, String(error));
      assert.equal(error.code, DATASET_NOT_READY);
      return { field: error.field, message: error.message };
    }
    assert.fail('expected the job to be refused');
  }

  it('numbers versions, returns the existing one for the same content, keeps failed ones', async () => {
    const v1 = await registerDataset(deps, { name: 'chat-v3', path: write(lines(5)), format: 'chat' });
    assert.equal(v1.created, true);
    assert.equal(v1.version.version, 1);
    assert.equal(v1.report.passed, true);
    assert.equal(v1.report.files[0].path, v1.version.path.split('/')[1], 'reports name the file, not the store path');
    const again = await registerDataset(deps, { name: 'chat-v3', path: write(lines(5)), format: 'chat' });
    assert.equal(again.created, false);
    assert.equal(again.version.id, v1.version.id);
    const bad = await registerDataset(deps, { name: 'chat-v3', path: write(`${lines(2)}not json\n`), format: 'chat' });
    assert.equal(bad.version.version, 2);
    assert.equal(bad.report.passed, false);
    assert.equal(bad.version.levels.standard, 'failed');
    await assert.rejects(registerDataset(deps, { name: 'chat-v3', path: write(lines(5)), format: 'text' }), ConflictError);
  });

  it('refuses bad names, relative paths and unknown formats before copying anything', async () => {
    await assert.rejects(registerDataset(deps, { name: 'has space', path: write(lines(1)), format: 'chat' }), (e: unknown) => e instanceof ValidationError && e.field === 'name');
    await assert.rejects(registerDataset(deps, { name: 'formats', path: write(lines(1)), format: 'chat' }), (e: unknown) => e instanceof ValidationError && e.field === 'name');
    await assert.rejects(registerDataset(deps, { name: 'ok', path: 'relative.jsonl', format: 'chat' }), (e: unknown) => e instanceof ValidationError && e.field === 'path');
    await assert.rejects(registerDataset(deps, { name: 'ok', path: write(lines(1)), format: 'nope' }), (e: unknown) => e instanceof ValidationError && e.field === 'format');
  });

  it('pins name to the latest version that passed, and refuses what is missing or failed', async () => {
    await registerDataset(deps, { name: 'train', path: write(lines(5)), format: 'chat' });
    const pinned = await resolveJobDatasets(store, spec({ train: 'train' }));
    assert.deepEqual(pinned.datasets, { train: 'train@1' });
    assert.equal(pinned.datasetLevel, 'standard');

    assert.deepEqual(await refusal(resolveJobDatasets(store, spec({ train: 'nothing' }))), { field: 'datasets.train', message: 'datasets.train: dataset nothing is not registered (trainyard data add nothing PATH --format F)' });
    assert.match((await refusal(resolveJobDatasets(store, spec({ train: 'train@4' })))).message, /has no version 4 \(latest: 1\)/);

    await registerDataset(deps, { name: 'train', path: write(`${lines(3)}{"messages": []}\n`), format: 'chat' });
    const failed = await refusal(resolveJobDatasets(store, spec({ train: 'train@2' })));
    assert.equal(failed.field, 'datasets.train');
    assert.match(failed.message, /train@2 failed standard validation: chat · standard · 4 rows · 1 error \(schema\)/);
    const quickOnly = await registerDataset(deps, { name: 'q', path: write(lines(4, 'q')), format: 'chat', level: 'quick' });
    assert.equal(quickOnly.version.levels.standard, 'unchecked');
    assert.match((await refusal(resolveJobDatasets(store, spec({ eval: 'q' })))).message, /q@1 has not been validated at standard \(validated at: quick\); run: trainyard data check q@1 --level standard/);
    assert.deepEqual((await resolveJobDatasets(store, spec({ eval: 'q' }, 'quick'))).datasets, { eval: 'q@1' });

    await checkDataset(deps, { name: 'q', version: 1 }, { level: 'standard' });
    assert.deepEqual((await resolveJobDatasets(store, spec({ eval: 'q' }))).datasets, { eval: 'q@1' });
  });

  it('at deep, needs each training set checked clean against each eval set of the job', async () => {
    const evalRows = Array.from({ length: 20 }, (_, i) => row(`eval question ${i} about the seventeen brown foxes that jumped over a lazy dog near the river bank today`, `eval answer ${i}`));
    await registerDataset(deps, { name: 'suite', path: write(`${evalRows.join('\n')}\n`), format: 'chat', level: 'deep' });
    await registerDataset(deps, { name: 'train', path: write(lines(10)), format: 'chat', level: 'deep' });
    const unchecked = await refusal(resolveJobDatasets(store, spec({ train: 'train', eval: 'suite' }, 'deep')));
    assert.match(unchecked.message, /train@1 has not been checked for contamination by suite@1 \(role eval\); run: trainyard data check train@1 --level deep --eval suite@1/);
    assert.match((await refusal(resolveJobDatasets(store, spec({ train: 'suite', eval: 'suite' }, 'deep')))).message, /suite@1 has the same content as eval set suite@1/);
    const checked = await checkDataset(deps, { name: 'train', version: null }, { level: 'deep', eval: ['suite'] });
    assert.equal(checked.report.evalSets[0].contaminatedRows, 0);
    assert.deepEqual((await resolveJobDatasets(store, spec({ train: 'train', eval: 'suite' }, 'deep'))).datasets, { train: 'train@1', eval: 'suite@1' });

    const leaked = `${lines(5)}${row(`${(JSON.parse(evalRows[3]) as { messages: Array<{ content: string }> }).messages[0].content} please`, 'sure')}\n`;
    await registerDataset(deps, { name: 'train', path: write(leaked), format: 'chat', level: 'deep', eval: ['suite@1'] });
    const dirty = await refusal(resolveJobDatasets(store, spec({ train: 'train@2', eval: 'suite' }, 'deep')));
    assert.match(dirty.message, /1 row of train@2 share word n-grams with eval set suite@1/);
  });

  it('gives a run its datasets and records the lineage', async () => {
    const v = await registerDataset(deps, { name: 'train', path: write(lines(5)), format: 'chat' });
    const job = await store.createJob(await resolveJobDatasets(store, spec({ train: 'train' })), clock);
    const claimed = await store.claimJob(job.id, { logPath: '/l', resumedFrom: null, resumeStep: null }, clock);
    assert.ok(claimed);
    const env = JSON.parse(await datasetsForRun(store, deps.datasetDir, job, claimed.run.id, clock));
    assert.deepEqual(env, { train: { name: 'train', version: 1, path: join(deps.datasetDir, v.version.path), sha256: v.version.sha256, format: 'chat' } });
    assert.equal(readFileSync(env.train.path, 'utf8'), lines(5));
    assert.deepEqual((await store.listDatasetUses(v.version.id)).map((u) => [u.jobId, u.runId, u.role]), [[job.id, claimed.run.id, 'train']]);
    assert.equal(await datasetsForRun(store, deps.datasetDir, { id: 1, spec: parseJobSpec({ command: ['x'], cwd: '/' }) }, 1, clock), '{}');
  });
});
