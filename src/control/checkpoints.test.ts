/** Checkpoint registration: path checks, on a real SQLite store and real files. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ValidationError } from '../core/errors.ts';
import { startRun } from '../store/contract/fixtures.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { registerCheckpointFile } from './checkpoints.ts';

describe('checkpoint registration', () => {
  let store: Store;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trainyard-checkpoints-'));
    store = await createSqliteStore(':memory:');
  });
  after(() => store.close());

  it('records a file inside the checkpoint directory with its size, and refuses one that leads out', async () => {
    const { job, run } = await startRun(store);
    const checkpointDir = join(dir, 'ckpt');
    mkdirSync(join(checkpointDir, 'step-2'), { recursive: true });
    writeFileSync(join(checkpointDir, 'step-1.pt'), '12345');
    writeFileSync(join(checkpointDir, 'step-2', 'model.bin'), '123');
    const one = await registerCheckpointFile(store, checkpointDir, { jobId: job.id, runId: run.id, path: 'step-1.pt', step: 1, metrics: { loss: 1 } }, 5);
    assert.equal(one.bytes, 5);
    const folder = await registerCheckpointFile(store, checkpointDir, { jobId: job.id, runId: run.id, path: 'step-2', step: 2, metrics: {} }, 6);
    assert.equal(folder.bytes, 3, 'a folder counts every file under it');

    writeFileSync(join(dir, 'outside.pt'), 'x');
    symlinkSync(join(dir, 'outside.pt'), join(checkpointDir, 'link.pt'));
    const refused = (path: string) => registerCheckpointFile(store, checkpointDir, { jobId: job.id, runId: run.id, path, step: 3, metrics: {} }, 7);
    await assert.rejects(refused('../outside.pt'), (e: ValidationError) => e.field === 'path' && /inside the checkpoint directory/.test(e.message));
    await assert.rejects(refused('link.pt'), /through a symlink/);
    await assert.rejects(refused('missing.pt'), /does not exist/);
  });

  it('refuses a FIFO (or socket, or device) inside the directory: whoever read it next would block (found by the fuzzer)', async () => {
    const { job, run } = await startRun(store);
    const checkpointDir = join(dir, 'ckpt-fifo');
    mkdirSync(checkpointDir, { recursive: true });
    assert.equal(spawnSync('mkfifo', [join(checkpointDir, 'pipe.pt')]).status, 0, 'mkfifo');
    await assert.rejects(
      registerCheckpointFile(store, checkpointDir, { jobId: job.id, runId: run.id, path: 'pipe.pt', step: 1, metrics: {} }, 5),
      (e: ValidationError) => e.field === 'path' && /pipe\.pt is not a regular file or a folder/.test(e.message),
    );
  });
});
