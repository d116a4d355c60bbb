/**
 * Crash points: each scenario is run once to count the store writes it makes, then again once
 * per write, with the server "dying" right before that write (from there on every store call
 * fails, as in a process killed with SIGKILL). A new server then opens the same data directory:
 * the store must be truthful as it stands (before any repair), recovery must carry every job
 * on, and the scenario must still end as it would have.
 *
 * Truthful means: a job is running, stopping or pausing exactly while one of its runs is
 * running; only running runs hold tokens; the last `job.state_changed` event names the job's
 * state; every run and checkpoint has its event.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { after, describe, it } from 'node:test';
import { LIVE_JOB_STATES, TERMINAL_JOB_STATES, type JobState } from '../core/types.ts';
import type { Store } from '../store/store.ts';
import { createKit, type Kit } from './test-kit.ts';

/** Store verbs that write. */
const WRITES: ReadonlySet<string> = new Set([
  'createJob', 'claimJob', 'requestStop', 'resumeJob', 'setPriority', 'moveToFront', 'failUnstartedJob', 'endRun',
  'setProgress', 'markRunStarted', 'recordHeartbeat', 'setLogOffset', 'recordMetrics', 'truncateAfter',
  'registerCheckpoint', 'markCheckpointDeleted', 'createToken', 'deleteToken', 'ackEvents',
  'recordInboxFile', 'submitInboxJob', 'planInboxExit', 'completeInboxMove', 'forgetInboxFile',
  'registerFormat', 'registerDatasetVersion', 'recordValidation', 'recordDatasetUses',
]);

interface Counter {
  writes: number;
  dead: boolean;
  /** The write before which the server dies; Infinity: never. */
  readonly crashAt: number;
  /** Settles when the server dies. */
  readonly death: Promise<void>;
  die(): void;
}

function counter(crashAt: number): Counter {
  let die = () => {};
  const death = new Promise<void>((resolve) => (die = resolve));
  const c: Counter = { writes: 0, dead: false, crashAt, death, die: () => ((c.dead = true), die()) };
  return c;
}

/** Never settles: what a call into a dead server does. */
const hang = () => new Promise<never>(() => {});

/**
 * The store as a server that dies right before write number `crashAt` sees it: that write and
 * every call after it never return (the process is gone), and nothing more is written.
 */
function crashing(inner: Store, c: Counter): Store {
  return new Proxy(inner, {
    get(target, prop) {
      const value = (target as any)[prop];
      if (typeof value !== 'function' || prop === 'close' || prop === 'watchEvents') return value;
      return (...args: unknown[]) => {
        if (c.dead) return hang();
        if (WRITES.has(String(prop))) {
          if (c.writes === c.crashAt) {
            c.die();
            return hang();
          }
          c.writes++;
        }
        return value.apply(target, args);
      };
    },
  });
}

/** What the outside world does: the user's requests and the training process's behaviour. */
interface Scenario {
  readonly name: string;
  /** The job's spec overrides. */
  readonly spec: Record<string, unknown>;
  /**
   * Plays a started attempt: reports (giving up when `serverDied` settles first, as a process
   * whose server is gone does), then exits or waits to be stopped.
   */
  play(k: Kit, jobId: number, attempt: number, serverDied: Promise<unknown>): Promise<void>;
  /** The user's side, called on each step with the job's state. */
  user?(k: Kit, jobId: number, state: JobState, step: { paused: boolean }): Promise<void>;
  readonly ends: JobState;
}

async function report(k: Kit, jobId: number, attempt: number): Promise<void> {
  const ref = await k.ref(jobId, attempt);
  const base = (attempt - 1) * 10;
  const steps = Array.from({ length: 10 }, (_, i) => base + i + 1);
  await k.control.intake.metrics(ref, {
    batchId: `attempt-${attempt}`,
    series: new Map([['loss', { steps, values: steps.map((s) => 1 / s), times: steps.map(() => k.now()) }]]),
    maxStep: base + 10,
    latest: { loss: { step: base + 10, value: 1 / (base + 10) } },
  });
  k.writeCheckpoint(jobId, `c${base + 5}`);
  await k.control.intake.checkpoint(ref, { path: `c${base + 5}`, step: base + 5, metrics: { loss: 1 / (base + 5) } });
  await k.control.intake.status(ref, { message: `attempt ${attempt}` }, true);
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'a run fails and is retried from its checkpoint, then succeeds',
    spec: { maxRetries: 2 },
    async play(k, jobId, attempt, serverDied) {
      const fake = await k.run(jobId, attempt);
      await Promise.race([report(k, jobId, attempt), serverDied]);
      fake.exit({ exitCode: attempt === 1 ? 1 : 0 });
    },
    ends: 'succeeded',
  },
  {
    name: 'a running job is paused, resumed from its checkpoint, and succeeds',
    spec: {},
    async play(k, jobId, attempt, serverDied) {
      const fake = await k.run(jobId, attempt);
      await Promise.race([report(k, jobId, attempt), serverDied]);
      if (attempt > 1) fake.exit({ exitCode: 0 }); // the first waits for the pause (SIGTERM ends it)
    },
    async user(k, jobId, state, step) {
      if (state === 'running' && !step.paused) {
        await k.control.jobs.pause(jobId);
        step.paused = true;
      }
      if (state === 'paused') await k.control.jobs.resume(jobId);
    },
    ends: 'succeeded',
  },
];

/** Checks the store as it stands after a crash (before recovery), by reading it directly. */
function assertTruthful(dbPath: string, where: string): void {
  const db = new Database(dbPath, { readonly: true });
  try {
    const jobs = db.prepare('select id, state from jobs').all() as Array<{ id: number; state: JobState }>;
    for (const job of jobs) {
      const running = (db.prepare(`select count(*) from runs where job_id = ? and state = 'running'`).pluck().get(job.id)) as number;
      const live = LIVE_JOB_STATES.includes(job.state);
      assert.equal(running, live ? 1 : 0, `${where}: job ${job.id} is ${job.state} with ${running} running runs`);
      const last = db.prepare(`select data from events where job_id = ? and type = 'job.state_changed' order by id desc limit 1`).pluck().get(job.id) as string | undefined;
      assert.equal(last === undefined ? 'queued' : JSON.parse(last).to, job.state, `${where}: job ${job.id}'s last event`);
    }
    const stray = db.prepare(`select run_id from tokens where role = 'run' and run_id not in (select id from runs where state = 'running')`).pluck().all();
    assert.deepEqual(stray, [], `${where}: tokens of ended runs`);
    const count = (sql: string) => db.prepare(sql).pluck().get() as number;
    assert.equal(count(`select count(*) from events where type = 'run.started'`), count('select count(*) from runs'), `${where}: run.started events`);
    assert.equal(count(`select count(*) from events where type = 'run.ended'`), count(`select count(*) from runs where state != 'running'`), `${where}: run.ended events`);
    assert.equal(count(`select count(*) from events where type = 'checkpoint.registered'`), count('select count(*) from checkpoints'), `${where}: checkpoint events`);
  } finally {
    db.close();
  }
}

/**
 * Drives the world until the job ends or the store dies: submits once, plays each attempt once,
 * lets the user act, and moves the fake clock past retry backoffs.
 */
async function drive(k: Kit, scenario: Scenario, world: { jobId: number | null; played: Set<string>; step: { paused: boolean } }, c: Counter | null): Promise<void> {
  const deadline = Date.now() + 10_000;
  const dead = c ? c.death.then(() => 'dead' as const) : hang();
  while (Date.now() < deadline) {
    if (c?.dead) return;
    const outcome = await Promise.race([dead, driveStep(k, scenario, world, dead)]);
    if (outcome === 'dead' || outcome === 'ended') return;
    await new Promise((r) => setTimeout(r, 5));
  }
  const job = world.jobId === null ? null : await k.store.getJob(world.jobId);
  const runs = k.executor.runs.map((r) => `${r.ref.name} ${r.report ? JSON.stringify(r.report) : 'alive'} ${r.signals.join(',')}`);
  throw new Error(`the scenario did not end: job ${job?.state} ${JSON.stringify(job?.outcome)}; runs: ${runs.join('; ')}; ${k.lines.join('\n')}`);
}

async function driveStep(k: Kit, scenario: Scenario, world: { jobId: number | null; played: Set<string>; step: { paused: boolean } }, dead: Promise<unknown>): Promise<'ended' | 'going'> {
  {
    {
      world.jobId ??= (await k.control.jobs.submit(k.spec(scenario.spec))).id;
      const jobId = world.jobId;
      const job = await k.job(jobId);
      if (TERMINAL_JOB_STATES.includes(job.state)) return 'ended';
      for (const fake of k.executor.runs) {
        if (!fake.ref.name.startsWith(`trainyard-${jobId}-`) || world.played.has(fake.ref.name)) continue;
        world.played.add(fake.ref.name);
        void scenario.play(k, jobId, Number(fake.ref.name.split('-').at(-1)), dead);
      }
      await scenario.user?.(k, jobId, job.state, world.step);
      if (job.state === 'queued' && job.notBefore !== null && job.notBefore > k.now()) k.advance(job.notBefore - k.now());
      return 'going';
    }
  }
}

const kits: Kit[] = [];
after(async () => {
  for (const k of kits) await k.close().catch(() => {});
});

describe('crash points', () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario.name}: the store is truthful after a crash before any write, and recovery finishes the job`, async () => {
      const baseline = counter(Infinity);
      const whole = await createKit({ wrapStore: (s) => crashing(s, baseline) });
      kits.push(whole);
      const world = { jobId: null as number | null, played: new Set<string>(), step: { paused: false } };
      await drive(whole, scenario, world, baseline);
      assert.equal((await whole.job(world.jobId!)).state, scenario.ends);
      const total = baseline.writes;
      assert.ok(total >= 10, `the scenario makes ${total} writes`);

      // Timers (progress writes) make the count vary a little between runs: go on until a run
      // makes all its writes without reaching its crash point.
      let covered = false;
      for (let crashAt = 0; crashAt < total * 2 && !covered; crashAt++) {
        const c = counter(crashAt);
        const first = await createKit({ wrapStore: (s) => crashing(s, c) });
        const w = { jobId: null as number | null, played: new Set<string>(), step: { paused: false } };
        await drive(first, scenario, w, c);
        if (!c.dead) {
          assert.ok(crashAt >= total - 3, `only ${crashAt} writes this time, ${total} the first time`);
          assert.equal((await first.job(w.jobId!)).state, scenario.ends);
          kits.push(first);
          covered = true;
          continue;
        }
        const where = `${scenario.name}, crash before write ${crashAt + 1} (of about ${total})`;
        assertTruthful(first.layout.database, where);
        const second = await first.restart({ crashed: true });
        kits.push(second);
        await drive(second, scenario, w, null);
        const job = await second.job(w.jobId!);
        assert.equal(job.state, scenario.ends, where);
        await second.close();
        assertTruthful(second.layout.database, `${where}, at the end`);
        const reader = await createKit({ dataDir: second.layout.root, start: false });
        const steps = Array.from((await reader.store.readSeries(w.jobId!, 'loss')).steps);
        await reader.close();
        assert.deepEqual(steps, [...steps].sort((a, b) => a - b), `${where}: the step axis is ordered`);
        assert.equal(new Set(steps).size, steps.length, `${where}: no step twice`);
      }
      assert.ok(covered, 'a run without a crash point ended the loop');
    });
  }
});
