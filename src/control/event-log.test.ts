import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { DomainEvent } from '../core/events.ts';
import { parseJobSpec } from '../core/job-spec.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { createEventLog, type EventLog } from './event-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'trainyard-event-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const spec = (name: string) => parseJobSpec({ name, command: ['true'], cwd: '/' });
const quiet = () => {};

/** Resolves once `check()` holds, polling; fails after `ms`. */
async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function logFor(store: Store, pollMs = 60_000): EventLog {
  return createEventLog({ store, now: Date.now, log: quiet, pollMs, retryMs: 10 });
}

describe('event log', () => {
  it('hands a subscriber every event after its cursor, in order, woken by the commit', async () => {
    const store = await createSqliteStore(':memory:');
    await store.createJob(spec('before'), 1);
    const log = logFor(store);
    const seen: DomainEvent[] = [];
    log.subscribe('s', (e) => void seen.push(e));
    log.start();
    // It starts at "now" (the newest event when it first reads): the older event is not handed over.
    for (let i = 0; i < 200 && (await store.getEventCursor('s')) === null; i++) await new Promise((r) => setTimeout(r, 5));
    const a = await store.createJob(spec('a'), 2);
    const b = await store.createJob(spec('b'), 3);
    await until(() => seen.length === 2);
    assert.deepEqual(seen.map((e) => e.jobId), [a.id, b.id]);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(seen.length, 2);
    assert.equal(await store.getEventCursor('s'), seen[1].id);
    await log.close();
    await store.close();
  });

  it('resumes after the last acknowledged event when the server comes back, and redelivers an unacknowledged one', async () => {
    const path = join(dir, `${n++}.db`);
    const store = await createSqliteStore(path);
    const first = logFor(store);
    const seen: number[] = [];
    first.subscribe('deploy', (e) => void seen.push(e.jobId!), { startAt: 'beginning' });
    first.start();
    const a = await store.createJob(spec('a'), 1);
    await until(() => seen.length === 1);
    await first.close();
    // The acknowledgement of the next event is lost (the server dies right after the handler).
    const b = await store.createJob(spec('b'), 2);
    const dying = logFor({ ...store, ackEvents: async () => { throw new Error('killed'); } });
    dying.subscribe('deploy', (e) => void seen.push(e.jobId!));
    dying.start();
    await until(() => seen.length === 2);
    await dying.close();
    await store.close();

    const reopened = await createSqliteStore(path);
    const second = logFor(reopened);
    second.subscribe('deploy', (e) => void seen.push(e.jobId!));
    second.start();
    await until(() => seen.length === 3);
    assert.deepEqual(seen, [a.id, b.id, b.id], 'b again (at least once), a not again');
    await second.close();
    await reopened.close();
  });

  it('retries a failing handler from the event that failed, keeping order', async () => {
    const store = await createSqliteStore(':memory:');
    const log = logFor(store);
    const seen: number[] = [];
    let failures = 2;
    log.subscribe('flaky', (e) => {
      if (e.jobId === 2 && failures-- > 0) throw new Error('not yet');
      seen.push(e.jobId!);
    }, { startAt: 'beginning' });
    for (const name of ['a', 'b', 'c']) await store.createJob(spec(name), 1);
    log.start();
    await until(() => seen.length === 3);
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(failures, -1);
    await log.close();
    await store.close();
  });

  it('filters a subscriber by type while its cursor passes the others', async () => {
    const store = await createSqliteStore(':memory:');
    const log = logFor(store);
    const types: string[] = [];
    log.subscribe('claims', (e) => void types.push(e.type), { types: ['run.started'] });
    log.start();
    const job = await store.createJob(spec('a'), 1);
    await store.claimJob(job.id, { logPath: '/l', resumedFrom: null, resumeStep: null }, 2);
    await until(() => types.length === 1);
    assert.deepEqual(types, ['run.started']);
    const last = await store.lastEventId();
    for (let i = 0; i < 100 && (await store.getEventCursor('claims')) !== last; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(await store.getEventCursor('claims'), last);
    await log.close();
    await store.close();
  });

  it('tails from an id with type and job filters, until ended', async () => {
    const store = await createSqliteStore(':memory:');
    const a = await store.createJob(spec('a'), 1);
    const b = await store.createJob(spec('b'), 1);
    const log = logFor(store);
    log.start();
    const seen: DomainEvent[] = [];
    const end = log.tail({ after: 0, jobId: b.id }, (e) => void seen.push(e));
    await until(() => seen.length === 1);
    assert.equal(seen[0].jobId, b.id);
    await store.requestStop(a.id, 2, 'pause');
    await store.requestStop(b.id, 2, 'pause');
    await until(() => seen.length === 2);
    assert.deepEqual(seen.map((e) => e.type), ['job.submitted', 'job.state_changed']);
    end();
    await store.requestStop(b.id, 3, 'stop');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(seen.length, 2, 'nothing after the tail ended');
    await log.close();
    await store.close();
  });
});
