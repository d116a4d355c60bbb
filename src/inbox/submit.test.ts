/**
 * A dropped file's job with `from:` (team 2 keeps training one model across data files) and
 * with `dataset:` (the file becomes a registered dataset version the job names). The `from:`
 * reference resolves when each file's job is created; the dataset step registers a file once,
 * across a restart at any point. Real SQLite, real files, the real datasets validator.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { parseCurriculum } from '../core/curriculum.ts';
import { parseJobSpec } from '../core/job-spec.ts';
import { registerDataset } from '../datasets/register.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import type { InboxConfig } from './config.ts';
import { createMover, type Mover } from './mover.ts';
import { PRIORITY_FOLDERS, STATE_FOLDERS } from './names.ts';
import { submitFile, type SubmitDeps } from './submit.ts';
import type { InboxTemplate } from './template.ts';

const CHAT = (n: number) => `${JSON.stringify({ messages: [{ role: 'user', content: `hi ${n}` }, { role: 'assistant', content: `hello ${n}` }] })}\n`;

describe('inbox submit', () => {
  let root: string;
  let datasetDir: string;
  let store: Store;
  let mover: Mover;
  let deps: SubmitDeps;
  let created: number[];
  let clock: number;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'trainyard-inbox-submit-'));
    datasetDir = join(root, 'datasets');
    mkdirSync(datasetDir);
    for (const folder of [...PRIORITY_FOLDERS, ...STATE_FOLDERS]) mkdirSync(join(root, folder), { recursive: true });
    store = await createSqliteStore(':memory:');
    clock = 1_700_000_000_000;
    const now = () => clock++;
    created = [];
    mover = createMover({ store, root, now, log: () => {} });
    deps = { store, mover, root, now, log: () => {}, validator: null, datasetDir, jobCreated: (job) => created.push(job.id) };
  });
  afterEach(async () => {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  const config = (template: Omit<InboxTemplate, 'match'>): InboxConfig => ({
    pollMs: 100, stableMs: 100, baseDir: root,
    templates: [{ match: '*', ...template }],
  });
  const fromConfig = (from: string) => config({ job: { name: 'more-{stem}', command: ['train', '{file}'], cwd: root, from } });
  const datasetConfig = () => config({
    job: { name: 'ft-{stem}', command: ['train'], cwd: root, from: 'model:char-lm@production' },
    dataset: { name: 'chat-stream', format: 'chat', role: 'train', depth: 'standard' },
  });

  function writeAt(name: string, text: string): string {
    writeFileSync(join(root, name), text);
    return join(root, name);
  }

  async function dropped(name: string, text = 'more text\n') {
    writeFileSync(join(root, 'normal', name), text);
    return mover.arrive('normal', name, name.padEnd(64, '0'));
  }

  /** A model `char-lm` with one version per step given, `production` on version 1. */
  async function model(steps: number[]) {
    const job = await store.createJob(parseJobSpec({ command: ['x'], cwd: root }), 1);
    const { run } = (await store.claimJob(job.id, { logPath: '/l', resumedFrom: null, resumeStep: null }, 2))!;
    await store.createModel({ name: 'char-lm' }, 'ci', 4);
    const checkpoints = [];
    for (const step of steps) {
      const checkpoint = await store.registerCheckpoint({ jobId: job.id, runId: run.id, step, path: `/c/${step}`, bytes: 1, metrics: {}, createdAt: 3 });
      await store.createModelVersion({ model: 'char-lm', checkpointId: checkpoint.id }, 'ci', 5);
      checkpoints.push(checkpoint);
    }
    await store.moveAlias({ model: 'char-lm', alias: 'production', version: 1, by: 'ci', reason: null }, 6);
    return { job, checkpoints };
  }

  it('starts each file\'s job from the version the alias names when that file is submitted', async () => {
    const { job, checkpoints } = await model([7, 9]);
    await submitFile(deps, await dropped('day1.txt'), fromConfig('model:char-lm@production'));
    await store.moveAlias({ model: 'char-lm', alias: 'production', version: 2, by: 'ci', reason: 'day1 was better' }, 7);
    await submitFile(deps, await dropped('day2.txt'), fromConfig('model:char-lm@production'));

    const [first, second] = await Promise.all(created.map((id) => store.getJob(id)));
    assert.equal(first?.spec.name, 'more-day1');
    assert.deepEqual(first?.initFrom, { checkpointId: checkpoints[0].id, jobId: job.id, step: 7, model: { name: 'char-lm', version: 1 } });
    assert.equal(second?.spec.name, 'more-day2');
    assert.deepEqual(second?.initFrom, { checkpointId: checkpoints[1].id, jobId: job.id, step: 9, model: { name: 'char-lm', version: 2 } });
    assert.equal(first?.spec.from, 'model:char-lm@production', 'the spec keeps the reference as written');
  });

  it('sends the file to failed/ naming from when the reference names nothing', async () => {
    await submitFile(deps, await dropped('day3.txt'), fromConfig('model:char-lm@production'));
    assert.equal(created.length, 0, 'no job');
    const reason = readFileSync(join(root, 'failed', 'day3.txt.reason'), 'utf8');
    assert.match(reason, /cannot be submitted: from: model char-lm@production: no such model/);
  });

  it('registers the file as the next dataset version and names that version in the job', async () => {
    await model([7]);
    const first = await dropped('day1.jsonl', CHAT(1) + CHAT(2));
    await submitFile(deps, first, datasetConfig());
    await submitFile(deps, await dropped('day2.jsonl', CHAT(3)), datasetConfig());

    const jobs = await Promise.all(created.map((id) => store.getJob(id)));
    assert.deepEqual(jobs.map((j) => [j?.spec.datasets, j?.spec.datasetLevel]), [[{ train: 'chat-stream@1' }, 'standard'], [{ train: 'chat-stream@2' }, 'standard']]);
    const version = (await store.getDataset('chat-stream', 1))!;
    assert.equal(version.levels.standard, 'passed');
    assert.equal(version.rows, 2);
    assert.ok(existsSync(join(datasetDir, version.path)), 'the content is stored under datasets/, not in the inbox');
    const file = (await store.getInboxFile(first.id))!;
    assert.deepEqual([file.state, file.jobId, file.dataset], ['queued', created[0], { id: version.id, name: 'chat-stream', version: 1 }]);
  });

  it('sends a file that fails validation to failed/ with its first problems, and makes no job', async () => {
    await model([7]);
    const file = await dropped('bad.jsonl', `${CHAT(1)}{"messages": [{"role": "user", "content": 3}]}\nnot json\n`);
    await submitFile(deps, file, datasetConfig());
    assert.equal(created.length, 0, 'no job');
    const reason = readFileSync(join(root, 'failed', 'bad.jsonl.reason'), 'utf8');
    const firstLine = reason.split('\n')[0];
    assert.match(firstLine, /^validation failed \(chat, standard\): \d+ errors: /);
    assert.match(firstLine, /bad\.jsonl line 2, field messages\[0\]\.content: schema: /);
    assert.match(firstLine, /bad\.jsonl line 3: invalid-json: /);
    assert.match(firstLine, /\(registered as chat-stream@1\)$/);
    assert.match(reason, /validation report:\n\{\n {2}"format": "chat"/);
    const record = (await store.getInboxFile(file.id))!;
    assert.deepEqual([record.state, record.dataset?.version], ['failed', 1], 'the failing version is kept as evidence');
    assert.equal((await store.getDataset('chat-stream', 1))?.levels.standard, 'failed');
  });

  it('fails a file whose registration is refused, naming why', async () => {
    const bad = config({ job: { command: ['train'], cwd: root }, dataset: { name: 'chat-stream', format: 'chatt', role: 'train', depth: 'quick' } });
    await submitFile(deps, await dropped('x.jsonl', CHAT(1)), bad);
    assert.match(readFileSync(join(root, 'failed', 'x.jsonl.reason'), 'utf8'), /^cannot be registered as dataset chat-stream: .*chatt/);
    assert.equal(created.length, 0);
  });

  it("makes a curriculum template's file the current level's job, placeholders filled, the file's version in its role", async () => {
    await store.applyCurriculum(parseCurriculum({
      name: 'arith', metric: 'accuracy', promote: { atLeast: 0.8 },
      job: { command: ['train', '--data', '{file}'], cwd: root, params: { source: '{stem}' }, datasets: { train: 'seed', eval: 'held' } },
      levels: [{ name: 'easy', suite: 's-easy' }, { name: 'hard', suite: 's-hard', job: { params: { digits: 5 } } }],
    }), 'ci', clock++);
    await registerDataset({ store, datasetDir, now: () => clock++ }, { name: 'held', path: writeAt('held.jsonl', CHAT(9)), format: 'chat', level: 'standard' });
    const curriculumConfig = config({ curriculum: 'arith', dataset: { name: 'chat-stream', format: 'chat', role: 'train', depth: 'standard' } });
    await submitFile(deps, await dropped('day1.jsonl', CHAT(1)), curriculumConfig);
    await store.setCurriculumLevel('arith', { to: 1, reason: 'passed', by: 'ci' }, clock++);
    await submitFile(deps, await dropped('day2.jsonl', CHAT(2)), curriculumConfig);

    const [easy, hard] = await Promise.all(created.map((id) => store.getJob(id)));
    assert.deepEqual(easy?.spec.command, ['train', '--data', join(root, 'processing', 'day1.jsonl')]);
    assert.deepEqual(easy?.spec.params, { source: 'day1' });
    assert.deepEqual(easy?.spec.tags, ['curriculum:arith:easy', 'inbox']);
    assert.deepEqual(easy?.spec.evaluate, ['s-easy']);
    assert.deepEqual(easy?.spec.datasets, { train: 'chat-stream@1', eval: 'held@1' });
    assert.deepEqual(hard?.spec.tags, ['curriculum:arith:hard', 'inbox'], 'the level current when the file came');
    assert.deepEqual(hard?.spec.params, { source: 'day2', digits: 5 });
  });

  it('fails a file whose template names a curriculum that does not exist, registering nothing', async () => {
    await submitFile(deps, await dropped('x.jsonl', CHAT(1)), config({ curriculum: 'nope', dataset: { name: 'chat-stream', format: 'chat', role: 'train', depth: 'standard' } }));
    assert.equal(created.length, 0);
    assert.match(readFileSync(join(root, 'failed', 'x.jsonl.reason'), 'utf8'), /^template 0 \(match "\*"\) names curriculum "nope", which does not exist/);
    assert.deepEqual(await store.listDatasetVersions('chat-stream'), []);
  });

  it('after a restart, makes one version and one job of a file registered before it', async () => {
    await model([7]);
    // Crashed after the link, before the job: the version is read back, not registered again.
    const linked = await dropped('a.jsonl', CHAT(1));
    const a = await registerDataset({ store, datasetDir, now: () => clock++ }, { name: 'chat-stream', path: join(root, linked.path!), format: 'chat', level: 'standard' });
    await store.linkInboxDataset(linked.id, a.version.id, clock++);
    await submitFile(deps, (await store.getInboxFile(linked.id))!, datasetConfig());
    // Crashed after the registration, before the link: registering again finds the same version.
    const unlinked = await dropped('b.jsonl', CHAT(2));
    await registerDataset({ store, datasetDir, now: () => clock++ }, { name: 'chat-stream', path: join(root, unlinked.path!), format: 'chat', level: 'standard' });
    await submitFile(deps, unlinked, datasetConfig());
    // And once more: a file already queued gets no second job.
    await submitFile(deps, (await store.getInboxFile(unlinked.id))!, datasetConfig());

    const versions = await store.listDatasetVersions('chat-stream');
    assert.deepEqual(versions.map((v) => v.version), [1, 2]);
    assert.equal(versions[0].validations.length, 1, 'the linked file was not validated again');
    assert.equal(created.length, 2);
    const jobs = await Promise.all(created.map((id) => store.getJob(id)));
    assert.deepEqual(jobs.map((j) => j?.spec.datasets?.train), ['chat-stream@1', 'chat-stream@2']);
    assert.deepEqual((await store.getInboxFile(unlinked.id))?.dataset?.version, 2);
  });
});
