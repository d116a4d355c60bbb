/**
 * Fault injection: `kill -9` of the server at random points under a mixed load (kill-load.ts),
 * restarted on the same data directory each time, with the invariants of kill-checks.ts checked
 * after every restart and once more when everything has finished. The seeds that once found a
 * bug run first; then a fresh seed (printed) unless `FAULT_SEED` names one.
 *
 *   npm run test:faults                                   every fault suite (test/faults/)
 *   FAULT_SEED=7 FAULT_ITERATIONS=50 node scripts/test.js faults/server-kill
 *
 * One data directory serves every iteration of a seed: a restart (about 2 s on a loaded 2-core
 * machine) is most of an iteration's cost.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createRandom } from '../fuzz/random.ts';
import { killRuns, startServer, waitFor, type TestServer } from '../harness.ts';
import { chatRow, FOLDERS, inboxDataDir } from '../inbox-fixture.ts';
import { checkCheckpoints, checkDatasets, checkEvaluations, checkInbox, checkJobs, checkMetrics, datasetEntries, Persistence, readAcks } from './kill-checks.ts';
import { createLedger, driveLoad, EVAL_SUITE, LOAD_TAG, TERMINAL, type LoadTarget } from './kill-load.ts';

/**
 * Seeds that found a bug, each with the iterations it took; they run first, in this order.
 * (Timing varies from run to run, so a seed replays the same choices, not the same interleaving.)
 */
const REGRESSIONS: ReadonlyArray<{ seed: number; iterations: number; found: string }> = [];

/** A whole number from the environment, or `fallback`; anything else is refused by name. */
function envInteger(name: string, fallback: number, min: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) throw new Error(`${name} must be a whole number of at least ${min}, got ${JSON.stringify(text)}`);
  return n;
}

const seed = envInteger('FAULT_SEED', Math.floor(Math.random() * 2 ** 31), 0);
const iterations = envInteger('FAULT_ITERATIONS', 200, 1);
/** Of the iterations, those whose restarted server is killed again as soon as it answers: in its recovery. */
const KILL_AT_START = 0.1;

interface Outcome {
  readonly violations: string[];
  readonly stats: string;
}

async function campaign(seed: number, iterations: number): Promise<Outcome> {
  const started = Date.now();
  const inbox = inboxDataDir({ stableMs: 0, pollMs: 100, maxRetries: 3, dataset: 'stream' });
  const dataDir = inbox.dataDir;
  const ledgerDir = join(dataDir, 'trainers');
  mkdirSync(ledgerDir);
  const ledger = createLedger();
  const jobPersistence = new Persistence();
  const checkpointPersistence = new Persistence();
  const violations: string[] = [];
  let uptimeMs = 0;
  let restartMs = 0;
  let ackOffset = 0;
  let done = 0;
  // Generous: a start takes 2 s on a quiet machine, far longer while other work loads its 2 cores.
  let server: TestServer = await startServer({ dataDir, env: { TRAINYARD_CPU_SLOTS: '3' }, startTimeoutMs: 120_000 });
  let upSince = Date.now();
  const suite = await server.api('/api/v1/eval-suites', { body: EVAL_SUITE });
  assert.equal(suite.status, 201, JSON.stringify(suite.body));
  const api = async (path: string) => {
    const { status, body } = await server.api(path);
    if (status !== 200) throw new Error(`GET ${path}: ${status} ${JSON.stringify(body)}`);
    return body;
  };
  const target = (): LoadTarget => ({ url: server.url, token: server.adminToken, ledgerDir, sourceDir: join(dataDir, 'sources'), inbox });
  const uptime = () => uptimeMs + (Date.now() - upSince);

  const checkAll = async (iteration: string, jobIds: Iterable<number>) => {
    const acks = readAcks(ledgerDir);
    const jobs = await checkJobs(api, ledger, ledgerDir, jobPersistence, uptime());
    const found = [
      ...jobs.violations,
      ...(await checkMetrics(api, acks, jobIds)),
      ...(await checkCheckpoints(api, acks, jobIds, checkpointPersistence, uptime())),
    ];
    violations.push(...found.map((v) => `${iteration}: ${v}`));
  };

  try {
    for (; done < iterations && violations.length === 0; done++) {
      const i = done;
      await iteration(i).catch((error: Error) => violations.push(`iteration ${i}: ${error.stack ?? error.message}`));
      if ((i + 1) % 20 === 0) console.log(`faults: seed ${seed}: ${i + 1}/${iterations} iterations, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    async function iteration(i: number) {
      const random = createRandom(seed, i);
      const loadMs = random.int(150, 1500);
      const killInRecovery = random.chance(KILL_AT_START);
      const stop = new AbortController();
      const load = driveLoad(target(), ledger, random, stop.signal);
      await new Promise((r) => setTimeout(r, loadMs));
      await server.kill9();
      stop.abort();
      await load;
      uptimeMs += Date.now() - upSince;

      // Down: what the dead server left behind.
      const leftBehind = datasetEntries(dataDir);
      violations.push(...checkInbox(inbox, ledger.drops).map((v) => `iteration ${i} (server down): ${v}`));

      const restartAt = Date.now();
      server = await server.restart();
      if (killInRecovery) {
        // It answers /health before its recovery is done (/readyz): killed in the middle of it.
        await server.kill9();
        server = await server.restart();
      }
      upSince = Date.now();
      await waitFor(async () => (await fetch(`${server.url}/readyz`)).ok, { timeoutMs: 60_000, what: 'the restarted server to be ready' });
      restartMs += Date.now() - restartAt;
      violations.push(...(await checkDatasets(api, ledger, dataDir, leftBehind)).map((v) => `iteration ${i}: ${v}`));
      const acks = readAcks(ledgerDir);
      const touched = new Set(acks.slice(ackOffset).map((a) => a.jobId));
      ackOffset = acks.length;
      await checkAll(`iteration ${i}`, touched);
    }

    if (violations.length === 0) {
      // The end: stop what still runs, let everything finish, check every job once more.
      for (const [id] of ledger.jobs) {
        if (!TERMINAL.includes(ledger.states.get(id) ?? '')) await server.api(`/api/v1/jobs/${id}/stop`, { method: 'POST' });
      }
      // Together: the inbox submits its waiting files only as its earlier jobs finish.
      const settled = (name: string) => FOLDERS.filter((f) => existsSync(join(inbox.inbox, f, name))).every((f) => f === 'done' || f === 'failed');
      await waitFor(async () => {
        if (!ledger.drops.every((name) => checkInbox(inbox, [name]).length === 0 && settled(name))) return false;
        const { body } = await server.api('/api/v1/jobs?limit=10000');
        return body.jobs.every((job: any) => TERMINAL.includes(job.state));
      }, { timeoutMs: 900_000, intervalMs: 500, what: 'every job to finish and every dropped file to be in done/ or failed/ after the last restart' })
        .catch((error: Error) => violations.push(`end: ${error.message}`));
      await checkAll('end', ledger.jobs.keys());
      violations.push(...(await checkEvaluations(api, readAcks(ledgerDir), ledger)).map((v) => `end: ${v}`));
      for (const id of ledger.stopped) {
        const state = ledger.states.get(id);
        if (!TERMINAL.includes(state ?? '')) violations.push(`end: job ${id} was acknowledged a stop and is ${state}`);
      }
    }
  } finally {
    killRuns(dataDir);
    await server.stop().catch(() => undefined);
  }
  const seconds = (Date.now() - started) / 1000;
  const stats = `seed ${seed}: ${done} of ${iterations} iterations in ${seconds.toFixed(0)} s (restarts ${(restartMs / 1000).toFixed(0)} s); ` +
    `${ledger.jobs.size} jobs, ${ledger.stopped.size} stops, ${readAcks(ledgerDir).length} trainer acknowledgements, ` +
    `${ledger.datasets.length} dataset registrations, ${ledger.drops.length} inbox files`;
  if (violations.length === 0) rmSync(dataDir, { recursive: true, force: true });
  else violations.push(`data directory kept: ${dataDir}; server output:\n${server.output().slice(-4000)}`);
  return { violations, stats };
}

function report(outcome: Outcome, what: string): void {
  console.log(`faults: ${outcome.stats}`);
  assert.equal(outcome.violations.length, 0, `${what}\n${outcome.violations.slice(0, 30).join('\n')}`);
}

describe(`kill -9 of the server under load (tag ${LOAD_TAG})`, () => {
  it('leaves no orphaned dataset content: what a registration cut by the kill left is gone after the restart', async () => {
    // Deterministic: the two leftovers a registration can leave (ingest.ts), made while the server is down.
    const inbox = inboxDataDir({ stableMs: 0, dataset: 'stream' });
    let server = await startServer({ dataDir: inbox.dataDir, startTimeoutMs: 120_000 });
    try {
      const ledger = createLedger();
      await server.kill9();
      const partial = join(inbox.dataDir, 'datasets', '.incoming-cut');
      mkdirSync(partial, { recursive: true });
      writeFileSync(join(partial, 'half.jsonl'), '{"messages": [');
      const unrecorded = join(inbox.dataDir, 'datasets', 'ab'.repeat(32));
      mkdirSync(unrecorded);
      writeFileSync(join(unrecorded, 'rows.jsonl'), chatRow());
      const leftBehind = datasetEntries(inbox.dataDir);
      assert.equal(leftBehind.length, 2);
      server = await server.restart();
      const api = async (path: string) => (await server.api(path)).body;
      assert.deepEqual(await checkDatasets(api, ledger, inbox.dataDir, leftBehind), []);
    } finally {
      await server.stop();
      rmSync(inbox.dataDir, { recursive: true, force: true });
    }
  });
  for (const regression of REGRESSIONS) {
    it(`regression seed ${regression.seed} (${regression.found})`, { timeout: 20 * 60_000 }, async () => {
      report(await campaign(regression.seed, regression.iterations), `FAULT_SEED=${regression.seed} FAULT_ITERATIONS=${regression.iterations}`);
    });
  }
  it(`seed ${seed} (FAULT_SEED), ${iterations} iterations (FAULT_ITERATIONS)`, { timeout: 60 * 60_000 }, async () => {
    console.log(`faults: kill -9 of the server, seed ${seed} (FAULT_SEED), ${iterations} iterations (FAULT_ITERATIONS)`);
    report(await campaign(seed, iterations), `replay: FAULT_SEED=${seed} FAULT_ITERATIONS=${iterations} npm run test:faults`);
  });
});
