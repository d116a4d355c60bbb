/**
 * Retention on a real SQLite store, the real event log with durable subscribers, a fake clock
 * and real log files: old events every subscriber handled go, an event a subscriber has not
 * handled stays however old, and logs of jobs that ended long ago are trimmed to their tail.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEventLog, type EventLog } from '../control/event-log.ts';
import { DAY_MS, DEFAULT_RETENTION, type RetentionSettings } from '../core/retention-events.ts';
import { endRun, jobSpec, T0 } from '../store/contract/fixtures.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { createRetention } from './retention.ts';

describe('retention', () => {
  let dir: string;
  let store: Store;
  let events: EventLog | null;
  let release = () => undefined as void;
  const clock = { value: T0 };
  const lines: string[] = [];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trainyard-retention-'));
    store = await createSqliteStore(join(dir, 'trainyard.db'));
    clock.value = T0;
    events = null;
  });
  afterEach(async () => {
    release();
    await events?.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function retention(settings: Partial<RetentionSettings> = {}) {
    return createRetention({ store, settings: { ...DEFAULT_RETENTION, ...settings }, subscribers: () => events?.subscribers() ?? [], now: () => clock.value, log: (l) => lines.push(l) });
  }
  const ids = async () => (await store.listEvents({ limit: 10_000 })).map((e) => e.id);
  async function until(check: () => Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 500; i++) {
      if (await check()) return;
      await sleep(10);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('deletes old events every subscriber handled, and keeps those one has not handled', async () => {
    for (let i = 0; i < 10; i++) await store.createJob(jobSpec({ name: `old-${i}` }), T0 + i);
    const old = await ids();
    // `slow` hangs on the sixth event until released; `fast` reads everything.
    const gate = new Promise<void>((done) => (release = done));
    events = createEventLog({ store, now: () => clock.value, log: (l) => lines.push(l), pollMs: 20, pageSize: 1 }); // a cursor per event
    events.subscribe('fast', () => undefined, { startAt: 'beginning' });
    events.subscribe('slow', async (e) => {
      if (e.id === old[5]) await gate;
    }, { startAt: 'beginning' });
    events.start();
    await until(async () => (await store.getEventCursor('fast')) === old[9] && (await store.getEventCursor('slow')) === old[4], 'the cursors');

    clock.value = T0 + 40 * DAY_MS;
    for (let i = 0; i < 2; i++) await store.createJob(jobSpec({ name: `new-${i}` }), clock.value);
    const fresh = (await ids()).slice(10);
    const r = retention({ eventMaxAgeMs: 30 * DAY_MS });

    const first = await r.runOnce();
    assert.deepEqual({ deleted: first.eventsDeleted, heldBy: first.heldBy }, { deleted: 5, heldBy: 'slow' });
    assert.deepEqual(await ids(), [...old.slice(5), ...fresh], 'the events slow has not handled stay, though old');

    release();
    await until(async () => (await store.getEventCursor('slow')) === fresh[1], 'slow to catch up');
    const second = await r.runOnce();
    assert.equal(second.eventsDeleted, 5);
    assert.deepEqual(await ids(), fresh, 'new events stay though handled');
    assert.deepEqual(await store.eventTableStats(), { rows: 2, oldest: { id: fresh[0], at: T0 + 40 * DAY_MS } });
    await r.close();
  });

  it('keeps every event while a subscriber of this server has not stored a cursor', async () => {
    await store.createJob(jobSpec(), T0);
    clock.value = T0 + 40 * DAY_MS;
    const r = createRetention({ store, settings: DEFAULT_RETENTION, subscribers: () => ['studies'], now: () => clock.value, log: () => undefined });
    assert.deepEqual(await r.runOnce(), { eventsDeleted: 0, eventsKept: 'subscriber studies has not stored a cursor yet', heldBy: null, before: null, logsTrimmed: 0, logBytesFreed: 0 });
    assert.equal((await ids()).length, 1);
  });

  it('deletes a large backlog in bounded batches within one pass', async () => {
    for (let i = 0; i < 25; i++) await store.createJob(jobSpec({ name: `j-${i}` }), T0);
    clock.value = T0 + 31 * DAY_MS;
    const pass = await retention().runOnce();
    assert.equal(pass.eventsDeleted, 25);
    assert.deepEqual(await store.eventTableStats(), { rows: 0, oldest: null });
  });

  it('trims the logs of jobs that ended long ago to their last lines, once', async () => {
    const logLines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(20)}`).join('\n') + '\n';
    async function endedJob(state: 'succeeded' | 'queued', endedAt: number) {
      const job = await store.createJob(jobSpec(), T0);
      const logPath = join(dir, 'jobs', String(job.id), 'log');
      mkdirSync(join(dir, 'jobs', String(job.id)), { recursive: true });
      writeFileSync(logPath, logLines);
      const { run } = (await store.claimJob(job.id, { logPath, resumedFrom: null, resumeStep: null }, T0))!;
      await endRun(store, run, state, endedAt);
      return logPath;
    }
    const old = await endedJob('succeeded', T0 + DAY_MS);
    const recent = await endedJob('succeeded', T0 + 9 * DAY_MS);
    const retried = await endedJob('queued', T0 + DAY_MS);
    clock.value = T0 + 10 * DAY_MS;
    const r = retention({ logMaxAgeMs: 7 * DAY_MS, logKeepBytes: 1024 });

    const pass = await r.runOnce();
    assert.equal(pass.logsTrimmed, 1);
    const text = readFileSync(old, 'utf8');
    const [header, firstKept] = text.split('\n');
    assert.match(header, /^\[trainyard\] log trimmed by retention: the first \d+ of \d+ bytes were removed \(TRAINYARD_LOG_RETENTION\)$/);
    assert.match(firstKept, /^line \d+ x{20}$/, 'the kept part opens with a whole line');
    assert.ok(text.endsWith('line 4999 xxxxxxxxxxxxxxxxxxxx\n'));
    assert.ok(statSync(old).size < 1024 + 200);
    assert.equal(readFileSync(recent, 'utf8'), logLines, 'a job that ended 1 day ago keeps its log');
    assert.equal(readFileSync(retried, 'utf8'), logLines, 'a job that may run again keeps its log');

    // A second pass (and a new retention, as after a restart) leaves the trimmed log as it is.
    const size = statSync(old).size;
    assert.equal((await r.runOnce()).logsTrimmed, 0);
    assert.equal((await retention({ logMaxAgeMs: 7 * DAY_MS, logKeepBytes: 1024 }).runOnce()).logsTrimmed, 0);
    assert.equal(statSync(old).size, size);
  });
});
