/**
 * Attaching artifacts against a real SQLite store and real files: where a path may point, the
 * content-addressed copy, idempotence, and each refusal naming the path and the reason.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ARTIFACT_MAX_BYTES } from '../core/artifacts.ts';
import { PayloadTooLargeError, ValidationError } from '../core/errors.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { jobSpec, NEW_RUN } from '../store/contract/fixtures.ts';
import { artifactFile, attachArtifact, type AttachContext } from './artifacts.ts';
import { createDataDirLayout } from './data-dir.ts';

describe('attachArtifact', () => {
  let root: string;
  let work: string;
  let store: Store;
  let ctx: AttachContext;
  let run: { runId: number; jobId: number };
  const layout = () => createDataDirLayout(join(root, 'data'));

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'trainyard-artifacts-unit-'));
    // The working directory holds the data directory, as a home folder holds ~/.trainyard.
    work = root;
    mkdirSync(join(root, 'data', 'jobs', '1', 'checkpoints'), { recursive: true });
    writeFileSync(join(root, 'data', 'admin-token'), 'ty_secret');
    store = await createSqliteStore(':memory:');
    const job = await store.createJob(jobSpec({ cwd: work }), 1000);
    const claimed = await store.claimJob(job.id, NEW_RUN, 1001);
    run = { runId: claimed!.run.id, jobId: job.id };
    ctx = { store, folders: layout(), now: () => 2000 };
  });

  afterEach(async () => {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  const refusal = async (path: string, pattern: RegExp, type: new (...args: never[]) => Error = ValidationError) => {
    await assert.rejects(attachArtifact(ctx, run, {}, { path }), (error: Error) => {
      assert.ok(error instanceof type, `${error.name}: ${error.message}`);
      assert.match(error.message, pattern);
      return true;
    });
  };

  it('copies a file of the working directory under its sha256, read-only, once', async () => {
    mkdirSync(join(work, 'plots'));
    writeFileSync(join(work, 'plots', 'loss.png'), 'png bytes');
    const first = await attachArtifact(ctx, run, { step: 3 }, { path: 'plots/loss.png' });
    assert.deepEqual({ ...first, id: 0, sha256: '' }, {
      id: 0, jobId: run.jobId, runId: run.runId, name: 'loss.png', kind: 'image', step: 3,
      mediaType: 'image/png', bytes: 9, sha256: '', createdAt: 2000,
    });
    const stored = artifactFile(layout(), first);
    assert.equal(readFileSync(stored, 'utf8'), 'png bytes');
    assert.equal(statSync(stored).mode & 0o777, 0o444);
    const again = await attachArtifact(ctx, run, { step: 3 }, { path: join(work, 'plots', 'loss.png') });
    assert.equal(again.id, first.id);
    // The same bytes under another name: a second record, one stored file.
    const renamed = await attachArtifact(ctx, run, { name: 'copy.txt' }, { bytes: Buffer.from('png bytes') });
    assert.notEqual(renamed.id, first.id);
    assert.equal(renamed.kind, 'text');
    assert.equal(artifactFile(layout(), renamed), stored);
    assert.equal((await store.listEvents({ types: ['artifact.attached'] })).length, 2);
  });

  it("takes a file of the job's own folder (its checkpoint directory) by absolute path", async () => {
    const inJob = join(root, 'data', 'jobs', '1', 'checkpoints', 'eval.csv');
    writeFileSync(inJob, 'a,b\n');
    assert.equal((await attachArtifact(ctx, run, {}, { path: inJob })).kind, 'table');
  });

  it("refuses the rest of the data directory, even inside the working directory", async () => {
    await refusal('data/admin-token', /^path: data\/admin-token resolves to .*admin-token, inside the data directory but outside the job's folder/);
    mkdirSync(join(root, 'data', 'jobs', '2'), { recursive: true });
    writeFileSync(join(root, 'data', 'jobs', '2', 'other.png'), 'x');
    await refusal('data/jobs/2/other.png', /inside the data directory but outside the job's folder/);
  });

  it('refuses traversal and symlinks out of the allowed folders, missing files, folders and FIFOs', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'trainyard-artifacts-out-'));
    try {
      writeFileSync(join(outside, 'secret.png'), 'x');
      symlinkSync(join(outside, 'secret.png'), join(work, 'link.png'));
      await refusal(join(outside, 'secret.png'), /resolves to .*secret\.png, outside the allowed folders: attach files inside the run's working directory/);
      await refusal('link.png', /^path: link\.png resolves to .*secret\.png, outside the allowed folders/);
      await refusal(`../${outside.split('/').pop()}/secret.png`, /outside the allowed folders/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
    await refusal('nope.png', /^path: nope\.png does not exist \(looked for .*nope\.png\)/);
    mkdirSync(join(work, 'folder.png'));
    await refusal('folder.png', /^path: folder\.png is not a regular file/);
    execFileSync('mkfifo', [join(work, 'pipe.csv')]);
    await refusal('pipe.csv', /^path: pipe\.csv is not a regular file/);
    assert.deepEqual(await store.listEvents({ types: ['artifact.attached'] }), []);
  });

  it('refuses a file or a body over the cap, and a bad name, kind or step, naming the field', async () => {
    writeFileSync(join(work, 'big.bin'), '');
    execFileSync('truncate', ['-s', String(ARTIFACT_MAX_BYTES + 1), join(work, 'big.bin')]);
    await refusal('big.bin', /^path: big\.bin is 67108865 bytes, over the artifact limit of 67108864 bytes \(64 MiB\)$/, PayloadTooLargeError);
    await assert.rejects(attachArtifact(ctx, run, { name: 'b.bin' }, { bytes: Buffer.alloc(ARTIFACT_MAX_BYTES + 1) }), PayloadTooLargeError);
    writeFileSync(join(work, 'a.png'), 'x');
    await assert.rejects(attachArtifact(ctx, run, { kind: 'photo' }, { path: 'a.png' }), { message: "kind: must be one of image, table, text, other, got 'photo'" });
    await assert.rejects(attachArtifact(ctx, run, { step: Infinity }, { path: 'a.png' }), { message: 'step: must be a finite number, got Infinity' });
    await assert.rejects(attachArtifact(ctx, run, {}, { bytes: Buffer.from('x') }), { message: 'name: must not be empty' });
    // Nothing half-written is left behind.
    assert.deepEqual(await store.listArtifacts(run.jobId), []);
  });
});
