/**
 * A dropped file's job with `from:` (team 2 keeps training one model across data files): the
 * reference resolves when the job is created, and one that names nothing sends the file to
 * failed/ with the reason, naming the field. Real SQLite, real files.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { parseJobSpec } from '../core/job-spec.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import type { InboxConfig } from './config.ts';
import { createMover, type Mover } from './mover.ts';
import { PRIORITY_FOLDERS, STATE_FOLDERS } from './names.ts';
import { submitFile, type SubmitDeps } from './submit.ts';

describe('inbox submit with from:', () => {
  let root: string;
  let store: Store;
  let mover: Mover;
  let deps: SubmitDeps;
  const created: number[] = [];

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'trainyard-inbox-from-'));
    for (const folder of [...PRIORITY_FOLDERS, ...STATE_FOLDERS]) mkdirSync(join(root, folder), { recursive: true });
    store = await createSqliteStore(':memory:');
    const now = () => 1_700_000_000_000;
    mover = createMover({ store, root, now, log: () => {} });
    deps = { store, mover, root, now, log: () => {}, validator: null, jobCreated: (job) => created.push(job.id) };
  });
  afterEach(async () => {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  const config = (from: string): InboxConfig => ({
    pollMs: 100, stableMs: 100, baseDir: root,
    templates: [{ match: '*.txt', job: { name: 'more-{stem}', command: ['train', '{file}'], cwd: root, from } }],
  });

  async function dropped(name: string) {
    writeFileSync(join(root, 'normal', name), 'more text\n');
    return mover.arrive('normal', name, name.padEnd(64, '0'));
  }

  it('starts the job from the model alias resolved at submit', async () => {
    const job = await store.createJob(parseJobSpec({ command: ['x'], cwd: root }), 1);
    const { run } = (await store.claimJob(job.id, { logPath: '/l', resumedFrom: null, resumeStep: null }, 2))!;
    const checkpoint = await store.registerCheckpoint({ jobId: job.id, runId: run.id, step: 7, path: '/c/7', bytes: 1, metrics: {}, createdAt: 3 });
    await store.createModel({ name: 'char-lm' }, 'ci', 4);
    await store.createModelVersion({ model: 'char-lm', checkpointId: checkpoint.id }, 'ci', 5);
    await store.moveAlias({ model: 'char-lm', alias: 'production', version: 1, by: 'ci', reason: null }, 6);

    await submitFile(deps, await dropped('day2.txt'), config('model:char-lm@production'));
    const made = await store.getJob(created.at(-1)!);
    assert.equal(made?.spec.name, 'more-day2');
    assert.deepEqual(made?.initFrom, { checkpointId: checkpoint.id, jobId: job.id, step: 7, model: { name: 'char-lm', version: 1 } });
  });

  it('sends the file to failed/ naming from when the reference names nothing', async () => {
    const before = created.length;
    await submitFile(deps, await dropped('day3.txt'), config('model:char-lm@production'));
    assert.equal(created.length, before, 'no job');
    const reason = readFileSync(join(root, 'failed', 'day3.txt.reason'), 'utf8');
    assert.match(reason, /cannot be submitted: from: model char-lm@production: no such model/);
  });
});
