/**
 * `npm run bench -- soak`: 24 simulated hours of many short jobs and metric traffic, compressed
 * into SOAK_MINUTES (default 10) of wall time, against a real `trainyard server` process on a
 * throwaway data directory. Retention (docs/operations.md#retention) is scaled with the clock:
 * events and logs are kept 2 simulated hours and a pass runs every 12 simulated minutes, so
 * the server reaches its steady state early in the run.
 *
 * Every few seconds it samples the server's resident memory (/proc/PID/status), its open file
 * descriptors (/proc/PID/fd), the WAL's size and the events table's row count (read-only
 * connection, closed after each read). For each it prints the value at the start, at the start
 * of the steady state (after retention's first horizon), at the end, and the least-squares
 * slope over the steady state per simulated hour beside the steady start value: a ratio. It is
 * `flat` when the slope would add less than FLAT_PER_DAY of the start value in 24 simulated
 * hours, `growing` otherwise.
 *
 * Load, per wall-clock second: SOAK_JOBS_PER_SECOND short jobs (default 1; each prints 20
 * metric lines through the stdout protocol and exits), 4 metric batches of 250 points to a
 * long-running job over HTTP, and a job listing and an events page (the dashboard's reads).
 * SOAK_EVENT_RETENTION (e.g. `off`) replaces the scaled event retention, to see a growing table.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { killRuns, REPO, startServer, waitForJob, type TestServer } from '../test/harness.ts';
import type { BenchResult } from './bench-result.ts';

const SIMULATED_HOURS = 24;
/** Events and logs are kept this long (simulated), and a pass runs this often (simulated). */
const RETENTION_SIM_MS = 2 * 3_600_000;
const INTERVAL_SIM_MS = 12 * 60_000;
/** Growth over 24 simulated hours, as a share of the start value, above which a figure is `growing`. */
const FLAT_PER_DAY = 0.2;
const METRIC_BATCHES_PER_SECOND = 4;
const POINTS_PER_BATCH = 250;

interface Sample {
  /** Simulated hours since the start. */
  readonly simHours: number;
  readonly rssMiB: number;
  readonly fds: number;
  readonly walMiB: number;
  readonly events: number;
}

type Measure = Exclude<keyof Sample, 'simHours'>;
const MEASURES: ReadonlyArray<[Measure, string, string]> = [
  ['rssMiB', 'server resident memory', 'MiB'],
  ['fds', 'server open file descriptors', 'fds'],
  ['walMiB', 'WAL size', 'MiB'],
  ['events', 'events table rows', 'rows'],
];

export async function benchSoak(): Promise<BenchResult[]> {
  const minutes = Number(process.env.SOAK_MINUTES ?? 10);
  const jobsPerSecond = Number(process.env.SOAK_JOBS_PER_SECOND ?? 1);
  if (!(minutes > 0) || !(jobsPerSecond > 0)) throw new Error(`SOAK_MINUTES and SOAK_JOBS_PER_SECOND must be numbers above 0, not ${process.env.SOAK_MINUTES} and ${process.env.SOAK_JOBS_PER_SECOND}`);
  const wallMs = minutes * 60_000;
  const scale = (SIMULATED_HOURS * 3_600_000) / wallMs; // simulated ms per wall ms
  const seconds = (simMs: number) => `${(simMs / scale / 1000).toFixed(2)}s`;
  const server = await startServer({
    env: {
      // SOAK_EVENT_RETENTION=off shows what the verdict says of a table that grows.
      TRAINYARD_EVENT_RETENTION: process.env.SOAK_EVENT_RETENTION ?? seconds(RETENTION_SIM_MS),
      TRAINYARD_LOG_RETENTION: seconds(RETENTION_SIM_MS),
      TRAINYARD_RETENTION_INTERVAL: seconds(INTERVAL_SIM_MS),
    },
  });
  const pid = Number(JSON.parse(readFileSync(join(server.dataDir, 'server.json'), 'utf8')).pid);
  const database = join(server.dataDir, 'trainyard.db');
  console.log(`soak: ${SIMULATED_HOURS} simulated hours in ${minutes} min (×${scale.toFixed(0)}); server pid ${pid}, data ${server.dataDir}`);
  console.log(`soak: retention keeps ${RETENTION_SIM_MS / 3_600_000} simulated h (${seconds(RETENTION_SIM_MS)}), a pass every ${INTERVAL_SIM_MS / 60_000} simulated min (${seconds(INTERVAL_SIM_MS)})`);
  const samples: Sample[] = [];
  const counts = { jobs: 0, batches: 0, failures: 0 };
  try {
    const { body: sink } = await server.api('/api/v1/jobs', { body: { name: 'soak-metrics', command: ['sleep', '86400'], cwd: REPO, stopGraceSeconds: 1 } });
    const runId = (await waitForJob(server, sink.id, ['running'])).runs[0].id;
    const started = Date.now();
    const simHours = () => ((Date.now() - started) * scale) / 3_600_000;
    const done = () => Date.now() - started >= wallMs;
    const every = async (periodMs: number, work: (i: number) => Promise<void>) => {
      for (let i = 0; !done(); i++) {
        const next = started + (i + 1) * periodMs;
        await work(i).catch((error: unknown) => {
          counts.failures++;
          if (counts.failures <= 5) console.log(`soak: ${String((error as Error)?.message ?? error)}`);
        });
        await sleep(Math.max(0, next - Date.now()));
      }
    };
    const sampleMs = Math.min(5_000, Math.max(1_000, wallMs / 120));
    await Promise.all([
      every(sampleMs, async () => {
        samples.push({ simHours: simHours(), ...measure(pid, database) });
      }),
      every(1000 / jobsPerSecond, async (i) => {
        await ok(server.api('/api/v1/jobs', { body: { name: `soak-${i}`, command: ['sh', '-c', SHORT_JOB], cwd: REPO, tags: ['soak'] } }));
        counts.jobs++;
      }),
      every(1000 / METRIC_BATCHES_PER_SECOND, async (i) => {
        await ok(server.api(`/api/v1/runs/${runId}/metrics`, { body: metricBatch(i) }));
        counts.batches++;
      }),
      every(1000, async () => {
        await ok(server.api('/api/v1/jobs?limit=50'));
        await ok(server.api('/api/v1/events?limit=100'));
      }),
    ]);
    samples.push({ simHours: simHours(), ...measure(pid, database) });
    const { body: listed } = await server.api<{ jobs: Array<{ state: string }> }>('/api/v1/jobs?limit=1000&tag=soak');
    const succeeded = listed.jobs.filter((j) => j.state === 'succeeded').length;
    console.log(`soak: ${counts.jobs} short jobs submitted (of the newest ${listed.jobs.length}, ${succeeded} succeeded), ${counts.batches} metric batches (${(counts.batches * POINTS_PER_BATCH).toLocaleString('en-US')} points), ${counts.failures} failed requests, ${samples.length} samples`);
    const passes = server.output().split('\n').filter((l) => /retention: (deleted|trimmed)/.test(l));
    console.log(`soak: ${passes.length} retention passes deleted or trimmed something (${passes.filter((l) => l.includes('trimmed')).length} trimmed logs)`);
    return analyse(samples, counts.failures);
  } finally {
    killRuns(server.dataDir);
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}

/** 20 metric lines through the stdout protocol, then exit 0. */
const SHORT_JOB = 'i=0; while [ $i -lt 20 ]; do echo "#trainyard metrics step=$i loss=0.$i"; i=$((i+1)); done';

function metricBatch(i: number) {
  const steps = Array.from({ length: POINTS_PER_BATCH }, (_, k) => i * POINTS_PER_BATCH + k);
  const t = Date.now();
  return { batchId: `soak-${i}`, series: { loss: { steps, values: steps.map((s) => 1 / (1 + s)), times: steps.map(() => t) } } };
}

async function ok(call: Promise<{ status: number; body: unknown }>): Promise<void> {
  const { status, body } = await call;
  if (status >= 300) throw new Error(`HTTP ${status}: ${JSON.stringify(body).slice(0, 300)}`);
}

function measure(pid: number, database: string): Omit<Sample, 'simHours'> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const wal = `${database}-wal`;
  const db = new Database(database, { readonly: true, fileMustExist: true });
  let events: number;
  try {
    events = Number((db.prepare('select count(*) as n from events').get() as { n: number }).n);
  } finally {
    db.close();
  }
  return {
    rssMiB: rssKiB / 1024,
    fds: readdirSync(`/proc/${pid}/fd`).length,
    walMiB: existsSync(wal) ? statSync(wal).size / 2 ** 20 : 0,
    events,
  };
}

/** The least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function analyse(samples: readonly Sample[], failures: number): BenchResult[] {
  // The steady state starts once retention's horizon and a pass have gone by.
  const steadyFrom = (RETENTION_SIM_MS + INTERVAL_SIM_MS) / 3_600_000;
  const steady = samples.filter((s) => s.simHours >= steadyFrom);
  const window = steady.length >= 3 ? steady : samples;
  const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2));
  console.log(`soak: steady state from ${window[0].simHours.toFixed(1)} simulated h (${window.length} samples); flat = grows less than ${FLAT_PER_DAY * 100}% of the steady start value in 24 simulated h`);
  console.log('figure | at 0 h | steady start | end | slope per simulated h | slope / steady start | verdict');
  const results: BenchResult[] = [];
  for (const [key, label, unit] of MEASURES) {
    const first = samples[0][key];
    const start = window[0][key];
    const end = window.at(-1)![key];
    const perHour = slope(window.map((s) => s.simHours), window.map((s) => s[key]));
    // A start of 0 (an empty WAL): compare with 1 unit instead, so the ratio stays finite.
    const ratio = perHour / Math.max(Math.abs(start), 1);
    const flat = ratio * SIMULATED_HOURS < FLAT_PER_DAY;
    console.log(`${label} | ${fmt(first)} ${unit} | ${fmt(start)} | ${fmt(end)} | ${perHour >= 0 ? '+' : ''}${fmt(perHour)} ${unit}/h | ${(ratio * 100).toFixed(2)}%/h | ${flat ? 'flat' : 'growing'}`);
    results.push({
      name: `soak: ${label}: slope ${perHour >= 0 ? '+' : ''}${fmt(perHour)} ${unit} per simulated h beside the steady start ${fmt(start)} ${unit} (end ${fmt(end)} ${unit})`,
      value: Number((ratio * 100).toFixed(3)),
      unit: '% of the steady start per simulated h',
      target: `flat: < ${((FLAT_PER_DAY / SIMULATED_HOURS) * 100).toFixed(2)}% (${FLAT_PER_DAY * 100}% a simulated day)`,
      ok: flat,
    });
  }
  results.push({ name: 'soak: failed requests', value: failures, unit: 'requests', target: '0', ok: failures === 0 });
  return results;
}
