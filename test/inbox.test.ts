/**
 * The inbox through a real server and real files: every path a dropped file can take, the
 * priority folders, files still being written, and files the inbox must not touch.
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, waitFor, waitForJob, type TestServer } from './harness.ts';
import { chatRow, drop, filesIn, foldersOf, inboxDataDir, inboxJobs, ledgerRuns, readIn, waitUntilIn, writeInboxConfig, type InboxDir } from './inbox-fixture.ts';

const STABLE_MS = 400;
const GOOD = chatRow({ n: 1 }) + chatRow({ n: 2 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('inbox', () => {
  let dir: InboxDir;
  let server: TestServer;
  before(async () => {
    dir = inboxDataDir({ stableMs: STABLE_MS });
    server = await startServer({ dataDir: dir.dataDir });
    await waitFor(() => existsSync(join(dir.inbox, 'failed')), { what: 'the inbox folders' });
  });
  after(async () => {
    await server?.stop();
  });

  it('turns a dropped file into a job that gets its path, then moves it to done/', async () => {
    drop(dir, 'normal', 'good.jsonl', GOOD);
    await waitUntilIn(dir, 'good.jsonl', 'done');
    const [job] = await inboxJobs(server);
    assert.equal(job.name, 'ft-good');
    assert.equal(job.state, 'succeeded');
    assert.deepEqual(job.spec.priority, { class: 'normal', value: 0 });
    assert.deepEqual(ledgerRuns(dir), [{ job: job.id, file: join(dir.inbox, 'processing', 'good.jsonl'), rows: 2 }]);
    assert.deepEqual(filesIn(dir, 'processing'), []);
    assert.match(server.output(), /inbox: good.jsonl \(normal\) → job \d+ \(ft-good\)/);
  });

  it('sends a file that fails validation to failed/ with the reason and the report, and makes no job', async () => {
    const jobsBefore = (await inboxJobs(server)).length;
    drop(dir, 'normal', 'bad.jsonl', `${chatRow()}this is not json\n`);
    const reason = await waitUntilIn(dir, 'bad.jsonl', 'failed');
    // src/datasets' report, or the built-in one where that module is absent.
    assert.match(reason!, /^validation failed \(chat, quick\): .*\berror\b/);
    assert.match(reason!, /file: bad\.jsonl \(dropped into inbox\/normal\/\)/);
    const report = JSON.parse(reason!.slice(reason!.indexOf('validation report:\n') + 19));
    assert.equal(report.passed ?? report.ok, false);
    assert.match(reason!, /"line": 2/, 'the report points at the bad line');
    assert.equal((await inboxJobs(server)).length, jobsBefore);
  });

  it('moves a file whose name is too long for its .reason companion under a shortened name, never stuck', async () => {
    const long = `${'n'.repeat(240)}.jsonl`;
    drop(dir, 'normal', long, 'not json at all\n');
    let moved = '';
    await waitFor(
      () => {
        moved = filesIn(dir, 'failed').find((name) => name.startsWith('nnnn') && name.endsWith('~.jsonl')) ?? '';
        return moved !== '' && existsSync(join(dir.inbox, 'failed', `${moved}.reason`));
      },
      { what: 'the long-named file in failed/ with its reason' },
    );
    assert.ok(Buffer.byteLength(moved) <= 200, moved);
    assert.match(readIn(dir, `failed/${moved}.reason`), new RegExp(`file: ${long.replace('.', '\\.')} \\(dropped into inbox/normal/\\)`));
    assert.deepEqual(filesIn(dir, 'processing'), []);
  });

  it('sends the file of a failed job to failed/, naming the job and its exit', async () => {
    drop(dir, 'normal', 'crash.jsonl', chatRow({ exit: 3 }));
    const reason = await waitUntilIn(dir, 'crash.jsonl', 'failed');
    const job = (await inboxJobs(server)).find((j) => j.name === 'ft-crash');
    assert.equal(job.state, 'failed');
    assert.match(reason!, new RegExp(`^job ${job.id} failed: exit code 3\n`));
    assert.match(reason!, new RegExp(`job: ${job.id}\n`));
  });

  it('detects the same content dropped again, and suffixes names taken in the target folder', async () => {
    const original = (await inboxJobs(server)).find((j) => j.name === 'ft-good');
    drop(dir, 'high', 'good.jsonl', GOOD);
    await waitFor(() => foldersOf(dir, 'good.jsonl').join() === 'done,failed', { what: 'the second good.jsonl in failed/' });
    const reason = readIn(dir, 'failed/good.jsonl.reason');
    assert.match(reason, new RegExp(`^duplicate of done/good\\.jsonl \\(job ${original.id}\\)\n`));
    assert.ok(existsSync(join(dir.inbox, 'done', 'good.jsonl')), 'the original stays in done/');

    drop(dir, 'low', 'bad.jsonl', 'still not json\n');
    await waitFor(() => existsSync(join(dir.inbox, 'failed', 'bad-2.jsonl.reason')), { what: 'failed/bad-2.jsonl' });
    assert.match(readIn(dir, 'failed/bad-2.jsonl'), /still not json/);
    assert.match(readIn(dir, 'failed/bad.jsonl'), /this is not json/, 'the first bad.jsonl is not overwritten');
    assert.equal(ledgerRuns(dir).filter((r) => r.file.endsWith('good.jsonl')).length, 1, 'the duplicate did not run');
  });

  it('maps the folder to the job priority class, and takes high before low', async () => {
    // With inbox.yaml broken, dropped files wait; fixed, both are seen in the same poll.
    writeFileSync(join(dir.dataDir, 'inbox.yaml'), 'templates: [oops');
    await waitFor(() => /inbox\.yaml is invalid/.test(server.output()), { what: 'the invalid config noticed' });
    drop(dir, 'low', 'later.jsonl', chatRow({ p: 'low' }));
    drop(dir, 'high', 'first.jsonl', chatRow({ p: 'high' }));
    await sleep(STABLE_MS + 300);
    assert.deepEqual([foldersOf(dir, 'later.jsonl'), foldersOf(dir, 'first.jsonl')], [['low'], ['high']], 'files wait while the config is invalid');
    writeInboxConfig(dir.dataDir, dir.ledger, { stableMs: STABLE_MS });
    await waitUntilIn(dir, 'first.jsonl', 'done');
    await waitUntilIn(dir, 'later.jsonl', 'done');
    const jobs = await inboxJobs(server);
    const high = jobs.find((j) => j.name === 'ft-first');
    const low = jobs.find((j) => j.name === 'ft-later');
    assert.deepEqual([high.spec.priority.class, high.priority.class], ['high', 'high']);
    assert.deepEqual([low.spec.priority.class, low.priority.class], ['low', 'low']);
    assert.ok(high.id < low.id, 'the high file was submitted first');
  });

  it('waits for a file still being written until it is stable', async () => {
    const path = join(dir.inbox, 'normal', 'slow.jsonl');
    for (let i = 0; i < 15; i++) {
      appendFileSync(path, chatRow({ row: i }));
      await sleep(STABLE_MS / 4);
      assert.deepEqual(foldersOf(dir, 'slow.jsonl'), ['normal'], `still being written (row ${i})`);
    }
    await waitUntilIn(dir, 'slow.jsonl', 'done');
    const runs = ledgerRuns(dir).filter((r) => r.file.endsWith('/slow.jsonl'));
    assert.deepEqual(runs.map((r) => r.rows), [15], 'the job saw the whole file');
  });

  it('leaves dotfiles, *.tmp and *.part alone; a rename into place is taken', async () => {
    writeFileSync(join(dir.inbox, 'normal', '.hidden.jsonl'), chatRow());
    writeFileSync(join(dir.inbox, 'normal', 'upload.jsonl.part'), chatRow({ upload: true }));
    writeFileSync(join(dir.inbox, 'normal', 'x.jsonl.tmp'), chatRow());
    await sleep(STABLE_MS * 2 + 300);
    assert.deepEqual(filesIn(dir, 'normal'), ['.hidden.jsonl', 'upload.jsonl.part', 'x.jsonl.tmp']);
    renameSync(join(dir.inbox, 'normal', 'upload.jsonl.part'), join(dir.inbox, 'normal', 'upload.jsonl'));
    await waitUntilIn(dir, 'upload.jsonl', 'done');
    const job = (await inboxJobs(server)).find((j) => j.name === 'ft-upload');
    await waitForJob(server, job.id, ['succeeded']);
  });
});
