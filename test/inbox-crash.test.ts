/**
 * The inbox when the server dies: killed with SIGKILL while files move and jobs run, and
 * restarted on every intermediate state a crash can leave. Afterwards each file is in exactly
 * one folder, its job ran once, and nothing is lost.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseJobSpec } from '../src/core/job-spec.ts';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { killRuns, REPO, startServer, waitFor, type TestServer } from './harness.ts';
import { chatRow, CONSUMER, drop, filesIn, foldersOf, inboxDataDir, inboxJobs, inboxReady, ledgerRuns, readIn, waitUntilIn } from './inbox-fixture.ts';

describe('inbox across a killed server', () => {
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) {
      killRuns(s.dataDir);
      await s.stop().catch(() => {});
    }
  });

  it('finishes every file exactly once after SIGKILL at pick-up and again while jobs run', async () => {
    // Retries allowed: a run the kill caught between its claim and its spawn is retried by the
    // run manager (attempt 2); the ledger still shows one run of the command per file.
    const dir = inboxDataDir({ stableMs: 0, pollMs: 20, maxRetries: 2 });
    let server = await startServer({ dataDir: dir.dataDir });
    servers.push(server);
    await waitFor(() => inboxReady(dir), { what: 'the inbox folders' });
    const names = Array.from({ length: 10 }, (_, i) => `f${i}.jsonl`);
    names.forEach((name, i) => drop(dir, i % 2 ? 'low' : 'high', name, chatRow({ sleepMs: 300, n: i })));

    await waitFor(() => names.some((n) => foldersOf(dir, n)[0] === 'processing'), { intervalMs: 2, what: 'a file picked up' });
    await server.kill9();
    server = await server.restart();
    servers.push(server);
    await waitFor(() => names.some((n) => foldersOf(dir, n)[0] === 'done'), { what: 'a first file done' });
    await server.kill9();
    server = await server.restart();
    servers.push(server);

    for (const name of names) await waitUntilIn(dir, name, 'done');
    for (const name of names) assert.deepEqual(foldersOf(dir, name), ['done'], name);
    const runs = ledgerRuns(dir);
    for (const name of names) assert.equal(runs.filter((r) => r.file.endsWith(`/${name}`)).length, 1, `${name} ran once`);
    const jobs = await inboxJobs(server);
    assert.equal(jobs.length, names.length, 'one job per file');
    assert.ok(jobs.every((j) => j.state === 'succeeded'), JSON.stringify(jobs.map((j) => [j.name, j.state, j.attempts])));
  });

  it('carries on from each state a crash can leave behind', async () => {
    const dir = inboxDataDir({ stableMs: 0, pollMs: 50 });
    const first = await startServer({ dataDir: dir.dataDir });
    await waitFor(() => inboxReady(dir), { what: 'the inbox folders' });
    await first.kill9();

    const file = (relative: string, text = chatRow({ for: relative })) => writeFileSync(join(dir.inbox, relative), text);
    const store = await createSqliteStore(join(dir.dataDir, 'trainyard.db'));
    const record = async (name: string, path: string, nextPath: string) =>
      store.recordInboxFile({ name, sha256: `sha-${name}`, priority: 'normal', path, nextPath }, Date.now());
    // 1. Recorded, not yet renamed: looked at afresh.
    file('normal/a1.jsonl');
    await record('a1.jsonl', 'normal/a1.jsonl', 'processing/a1.jsonl');
    // 2. Renamed, not yet marked: carried on.
    file('processing/a2.jsonl');
    await record('a2.jsonl', 'high/a2.jsonl', 'processing/a2.jsonl');
    // 3. In processing/, no job yet.
    file('processing/a3.jsonl');
    const a3 = await record('a3.jsonl', 'normal/a3.jsonl', 'processing/a3.jsonl');
    await store.completeInboxMove(a3.id, Date.now());
    // 4. Its job ended while no server watched.
    file('processing/a4.jsonl');
    const a4 = await record('a4.jsonl', 'normal/a4.jsonl', 'processing/a4.jsonl');
    await store.completeInboxMove(a4.id, Date.now());
    const spec = parseJobSpec({ command: [process.execPath, CONSUMER, 'unused', dir.ledger], cwd: REPO, tags: ['inbox'] });
    const submitted = await store.submitInboxJob(a4.id, spec, Date.now());
    const claimed = await store.claimJob(submitted!.job.id, { logPath: join(dir.dataDir, 'a4.log'), resumedFrom: null, resumeStep: null }, Date.now());
    const success = { kind: 'success', detail: 'exit code 0', retryable: false } as const;
    await store.endRun(claimed!.run.id, {
      run: { state: 'succeeded', exitCode: 0, signal: null, outcome: success, endedAt: Date.now() },
      job: { state: 'succeeded', endedAt: Date.now(), outcome: success },
    });
    // 5. Leaving for done/, not yet renamed.
    file('processing/a5.jsonl');
    const a5 = await record('a5.jsonl', 'normal/a5.jsonl', 'processing/a5.jsonl');
    await store.completeInboxMove(a5.id, Date.now());
    await store.planInboxExit(a5.id, { outcome: 'done', nextPath: 'done/a5.jsonl', reason: null, report: null }, Date.now());
    // 6. Leaving for failed/, renamed, reason not yet written.
    file('failed/a6.jsonl');
    const a6 = await record('a6.jsonl', 'normal/a6.jsonl', 'processing/a6.jsonl');
    await store.completeInboxMove(a6.id, Date.now());
    await store.planInboxExit(a6.id, { outcome: 'failed', nextPath: 'failed/a6.jsonl', reason: 'validation failed (chat, quick): 1 error', report: '{"errors":1}' }, Date.now());
    // 7. Leaving for failed/, but a file of that name appeared there meanwhile.
    file('processing/a7.jsonl', chatRow({ mine: true }));
    file('failed/a7.jsonl', 'someone else\n');
    const a7 = await record('a7.jsonl', 'normal/a7.jsonl', 'processing/a7.jsonl');
    await store.completeInboxMove(a7.id, Date.now());
    await store.planInboxExit(a7.id, { outcome: 'failed', nextPath: 'failed/a7.jsonl', reason: 'job 99 failed', report: null }, Date.now());
    // 8. In processing/ with no record at all (restored by hand).
    file('processing/a8.jsonl');
    await store.close();

    const server = await first.restart();
    servers.push(server);
    for (const name of ['a1.jsonl', 'a2.jsonl', 'a3.jsonl', 'a4.jsonl', 'a5.jsonl', 'a8.jsonl']) await waitUntilIn(dir, name, 'done');
    assert.match((await waitUntilIn(dir, 'a6.jsonl', 'failed'))!, /^validation failed \(chat, quick\): 1 error\n[^]*"errors": 1/);
    await waitFor(() => foldersOf(dir, 'a7-2.jsonl.reason').length === 1, { what: 'a7 moved under a new name' });
    assert.match(readIn(dir, 'failed/a7-2.jsonl'), /mine/);
    assert.match(readIn(dir, 'failed/a7.jsonl'), /someone else/, 'not overwritten');
    assert.match(readIn(dir, 'failed/a7-2.jsonl.reason'), /^job 99 failed\n/);

    const ran = ledgerRuns(dir).map((r) => r.file.split('/').pop()).sort();
    assert.deepEqual(ran, ['a1.jsonl', 'a2.jsonl', 'a3.jsonl', 'a8.jsonl'], 'each file without a job ran once; a4 and a5 did not run again');
    for (const folder of ['high', 'normal', 'low', 'processing']) assert.deepEqual(filesIn(dir, folder), [], `${folder}/ is empty`);
    assert.match(server.output(), /adopted processing\/a8\.jsonl/);
  });
});
