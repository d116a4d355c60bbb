/**
 * Clock jumps (issue 15 §1): the wall clock (what `now` says: NTP steps, a VM resumed, an
 * operator's `date -s`) jumps forward or backward while runs are live and retries wait. Time
 * limits, the stuck watchdog and retry backoff measure durations on the monotonic clock, so a
 * jump neither kills every live run at once nor leaves a timer that never fires. Control-level,
 * with the test kit's fake clocks: `advance` moves both clocks (time passes), `jump` only the wall.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { RETRY_BASE_MS, RETRY_CAP_MS } from '../../src/core/retry.ts';
import type { JobState } from '../../src/core/types.ts';
import { createKit, type Kit } from '../../src/control/test-kit.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('clock jumps', () => {
  const kits: Kit[] = [];
  after(async () => {
    for (const k of kits) await k.close().catch(() => {});
  });
  async function kit(): Promise<Kit> {
    const k = await createKit();
    kits.push(k);
    return k;
  }
  const state = (k: Kit, id: number, want: JobState) => k.until(async () => ((await k.job(id)).state === want ? k.job(id) : null), `job ${id} to be ${want}`);
  /** A few scheduling passes at real time, for "nothing happened" checks. */
  const passes = (k: Kit) => new Promise((r) => setTimeout(r, 120)).then(() => k.control.poke());

  it('a forward jump does not stop runs that are within their time limit and stuck window', async () => {
    const k = await kit();
    const limited = await k.control.jobs.submit(k.spec({ timeLimitSeconds: 3600 }));
    const watched = await k.control.jobs.submit(k.spec({ maxRetries: 0, watchdog: { stuckSeconds: 600 } }));
    await k.run(limited.id, 1);
    await k.run(watched.id, 1);
    k.advance(10_000);
    k.jump(DAY);
    await passes(k);
    await passes(k);
    assert.equal((await k.job(limited.id)).state, 'running', 'a one-day jump is not an hour of running');
    assert.equal((await k.job(watched.id)).state, 'running', 'a one-day jump is not ten minutes without a step');
    // Real time passing still counts: the limits fire when they are due.
    k.advance(601_000);
    assert.equal((await state(k, watched.id, 'failed')).outcome?.kind, 'stuck');
    k.advance(3_000_000);
    assert.equal((await state(k, limited.id, 'failed')).outcome?.kind, 'time-limit');
  });

  it('a backward jump does not keep a time limit or the stuck watchdog from firing', async () => {
    const k = await kit();
    const limited = await k.control.jobs.submit(k.spec({ timeLimitSeconds: 60 }));
    const watched = await k.control.jobs.submit(k.spec({ maxRetries: 0, watchdog: { stuckSeconds: 60 } }));
    await k.run(limited.id, 1);
    await k.run(watched.id, 1);
    k.jump(-DAY);
    k.advance(61_000);
    assert.equal((await state(k, limited.id, 'failed')).outcome?.kind, 'time-limit');
    assert.equal((await state(k, watched.id, 'failed')).outcome?.kind, 'stuck');
  });

  it('a retry waits out its backoff in elapsed time, whichever way the clock jumps', async () => {
    const k = await kit();
    const back = await k.control.jobs.submit(k.spec({ maxRetries: 2 }));
    (await k.run(back.id, 1)).exit({ exitCode: 2 });
    await state(k, back.id, 'queued');
    await passes(k); // the dispatcher has seen the backoff: from here on the monotonic clock counts it down
    k.jump(-DAY);
    k.advance(RETRY_BASE_MS);
    await k.run(back.id, 2); // without monotonic waits: a day and two seconds

    const ahead = await k.control.jobs.submit(k.spec({ maxRetries: 2 }));
    (await k.run(ahead.id, 1)).exit({ exitCode: 2 });
    await state(k, ahead.id, 'queued');
    await passes(k);
    k.jump(DAY);
    await passes(k);
    await passes(k);
    assert.equal(k.executor.runs.filter((r) => r.ref.name === `trainyard-${ahead.id}-2`).length, 0, 'a forward jump does not cut the backoff short');
    k.advance(RETRY_BASE_MS);
    await k.run(ahead.id, 2);
  });

  it('a retry whose backoff a new server first sees after a backward jump waits at most the cap', async () => {
    let k = await kit();
    const job = await k.control.jobs.submit(k.spec({ maxRetries: 1 }));
    (await k.run(job.id, 1)).exit({ exitCode: 2 });
    await state(k, job.id, 'queued');
    k.jump(-DAY);
    k = await k.restart();
    kits.push(k);
    k.advance(RETRY_BASE_MS);
    await passes(k);
    assert.equal(k.executor.runs.length, 1, 'how much of the wait is left is not known: the cap bounds it');
    k.advance(RETRY_CAP_MS);
    await k.run(job.id, 2); // without the bound: a day
  });

  it('progress after a backward jump still counts as progress for the stuck watchdog', async () => {
    const k = await kit();
    const job = await k.control.jobs.submit(k.spec({ maxRetries: 0, watchdog: { stuckSeconds: 60 } }));
    await k.run(job.id, 1);
    const ref = await k.ref(job.id, 1);
    k.advance(50_000);
    k.jump(-HOUR);
    await k.control.intake.metrics(ref, { batchId: null, series: new Map([['loss', { steps: [1], values: [1], times: [0] }]]), maxStep: 1, latest: { loss: { step: 1, value: 1 } } });
    k.advance(50_000);
    await passes(k);
    assert.equal((await k.job(job.id)).state, 'running', 'a step 50 s ago is within a 60 s window');
    k.advance(11_000);
    assert.equal((await state(k, job.id, 'failed')).outcome?.kind, 'stuck');
  });
});
