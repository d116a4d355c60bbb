/**
 * The realistic ingest load: 64 concurrent runs of a real `trainyard server` child process,
 * each posting SDK-sized batches (10 keys × 50 points, columnar JSON with a batch id, as
 * src/sdk/reporter sends them) with its own run token, each over its own keep-alive
 * connection, waiting for each reply before the next batch, end to end into the store.
 *
 * Two baselines, measured in the same run: a row-per-point store (better-sqlite3, one row per
 * point, one transaction per SDK-sized batch) taking the same points without HTTP; and the
 * same client against a bare node:http server that only `JSON.parse`s each body
 * (bare-http-server.ts), the most any Node server reaches on this machine at that moment. The
 * client is http-load.ts (prepared requests on raw sockets, as wrk would do): node:http's own
 * client spent ~300 µs a request, more than the server it was measuring.
 *
 * Run alone: `node --import tsx bench/ingest-load.ts`. Takes ~30 s (64 `sleep` jobs are started
 * and stopped); ~60 MB of requests are prepared before timing.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { killRuns, REPO, startServer, type TestServer } from '../test/harness.ts';
import type { BenchResult } from './bench-result.ts';
import { buildPost, openLoadConnection } from './http-load.ts';

const RUNS = 64;
const KEYS = 10;
const POINTS_PER_KEY = 50;
const BATCHES_PER_RUN = 50;
const T0 = 1_700_000_000_000;

interface RunAccess {
  readonly jobId: number;
  readonly runId: number;
  readonly token: string;
}

export async function benchIngestLoad(): Promise<BenchResult[]> {
  const envDir = mkdtempSync(join(tmpdir(), 'trainyard-bench-load-'));
  const server = await startServer({ env: { TRAINYARD_CPU_SLOTS: String(RUNS) } });
  try {
    const runs = await startRuns(server, envDir);
    // Batch 0 warms up (the route, the parser, each run's series); batches 1… are timed, so
    // each run's steps go up as a training run's do.
    const payloads = runs.map((_, r) => Array.from({ length: BATCHES_PER_RUN }, (_, b) => sdkBatch(r, b + 1)));
    const points = RUNS * BATCHES_PER_RUN * KEYS * POINTS_PER_KEY;
    const requests = runs.map((run, r) => payloads[r].map((body) => buildPost(server.url, `/api/v1/runs/${run.runId}/metrics`, body, { authorization: `Bearer ${run.token}` })));
    const warmup = runs.map((run, r) => buildPost(server.url, `/api/v1/runs/${run.runId}/metrics`, sdkBatch(r, 0), { authorization: `Bearer ${run.token}` }));
    const rate = points / (await drive(server.url, requests, warmup));
    const ceiling = points / (await bareHttp((url) => drive(url, requests, warmup)));
    const baseline = rowPerPointStore(join(envDir, 'rows.db'), payloads);
    for (const run of runs) await server.api(`/api/v1/jobs/${run.jobId}/stop`, { method: 'POST' });
    const name = `HTTP ingestion, ${RUNS} concurrent runs × SDK-sized batches (${KEYS} keys × ${POINTS_PER_KEY} points, columnar JSON), end to end into the store`;
    return [
      {
        name,
        value: Math.round(rate),
        unit: 'points/s',
        baseline: { name: 'row-per-point store (better-sqlite3, a transaction per SDK batch), no HTTP', value: Math.round(baseline) },
        target: '>= 1,000,000 points/s',
        ok: rate >= 1_000_000,
      },
      {
        name: 'the same, against what a Node server reaches on this machine now',
        value: Math.round(rate),
        unit: 'points/s',
        baseline: { name: 'a bare node:http server that only JSON.parses each body (bench/bare-http-server.ts), same client', value: Math.round(ceiling) },
      },
    ];
  } finally {
    killRuns(server.dataDir);
    await server.stop();
    rmSync(envDir, { recursive: true, force: true });
  }
}

/** Starts RUNS jobs that write their run id and token to a file, then sleep. */
async function startRuns(server: TestServer, envDir: string): Promise<RunAccess[]> {
  const jobIds: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const command = ['sh', '-c', `echo "$TRAINYARD_RUN_ID $TRAINYARD_TOKEN" > ${envDir}/$TRAINYARD_JOB_ID.tmp && mv ${envDir}/$TRAINYARD_JOB_ID.tmp ${envDir}/$TRAINYARD_JOB_ID.env && exec sleep 600`];
    const { status, body } = await server.api('/api/v1/jobs', { body: { name: `load-${i}`, command, cwd: REPO, stopGraceSeconds: 1 } });
    if (status !== 201 && status !== 200) throw new Error(`submit failed: ${status} ${JSON.stringify(body)}`);
    jobIds.push(body.id);
  }
  const deadline = Date.now() + 60_000;
  while (!jobIds.every((id) => existsSync(join(envDir, `${id}.env`)))) {
    if (Date.now() > deadline) throw new Error('the load jobs did not all start within 60 s');
    await sleep(50);
  }
  return jobIds.map((jobId) => {
    const [runId, token] = readFileSync(join(envDir, `${jobId}.env`), 'utf8').trim().split(' ');
    return { jobId, runId: Number(runId), token };
  });
}

/** Batch `b` of run `r` as the SDK sends it: `{batchId, series: {key: {steps, values, times}}}`. */
function sdkBatch(r: number, b: number): string {
  const series: Record<string, { steps: number[]; values: number[]; times: number[] }> = {};
  for (let k = 0; k < KEYS; k++) {
    const steps: number[] = [];
    const values: number[] = [];
    const times: number[] = [];
    for (let i = 0; i < POINTS_PER_KEY; i++) {
      const step = b * POINTS_PER_KEY + i;
      steps.push(step);
      values.push(Math.exp(-step / 1e4) * (1 + k) + Math.random() * 0.01);
      times.push(T0 + step * 20 + r);
    }
    series[`train/metric_${k}`] = { steps, values, times };
  }
  return JSON.stringify({ batchId: `bench-${r}-${b}`, series });
}

/**
 * Sends each connection's requests in order, all connections at once (one per run); returns
 * the seconds taken, after one warm-up request per connection.
 */
async function drive(url: string, requests: Buffer[][], warmup: Buffer[]): Promise<number> {
  const connections = await Promise.all(requests.map(() => openLoadConnection(url)));
  const send = async (r: number, request: Buffer) => {
    const reply = await connections[r].send(request);
    if (reply.status !== 200) throw new Error(`ingest: ${reply.status} ${reply.body}`);
  };
  try {
    await Promise.all(warmup.map((request, r) => send(r, request)));
    const start = performance.now();
    await Promise.all(requests.map(async (list, r) => {
      for (const request of list) await send(r, request);
    }));
    const seconds = (performance.now() - start) / 1000;
    return seconds;
  } finally {
    for (const c of connections) c.close();
  }
}

/** Runs `measure` against bench/bare-http-server.ts in a child process. */
async function bareHttp(measure: (url: string) => Promise<number>): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'bare-http-server.ts')], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((done, fail) => {
      child.stdout!.once('data', (d: Buffer) => done(Number(String(d).trim())));
      child.once('exit', (code) => fail(new Error(`bare-http-server exited with ${code}`)));
    });
    return await measure(`http://127.0.0.1:${port}`);
  } finally {
    child.kill();
  }
}

/** The same points into one row per point, a transaction per batch, runs interleaved; points/s. */
function rowPerPointStore(path: string, payloads: string[][]): number {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`create table points (series_id integer not null, step integer not null, value real, time integer not null);
           create index points_series_step on points (series_id, step);`);
  const insert = db.prepare('insert into points (series_id, step, value, time) values (?, ?, ?, ?)');
  const parsed = payloads.map((list) => list.map((p) => JSON.parse(p) as { series: Record<string, { steps: number[]; values: number[]; times: number[] }> }));
  const write = db.transaction((r: number, batch: (typeof parsed)[number][number]) => {
    let k = 0;
    for (const { steps, values, times } of Object.values(batch.series)) {
      const series = r * KEYS + k++;
      for (let i = 0; i < steps.length; i++) insert.run(series, steps[i], values[i], times[i]);
    }
  });
  let points = 0;
  const start = performance.now();
  for (let b = 0; b < BATCHES_PER_RUN; b++) {
    for (let r = 0; r < parsed.length; r++) {
      write(r, parsed[r][b]);
      points += KEYS * POINTS_PER_KEY;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  db.close();
  return points / seconds;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const r of await benchIngestLoad()) {
    console.log(`${r.name}: ${Math.round(r.value).toLocaleString('en-US')} ${r.unit}  target ${r.target}: ${r.ok ? 'ok' : 'MISSED'}`);
    if (r.baseline) console.log(`    baseline, ${r.baseline.name}: ${Math.round(r.baseline.value).toLocaleString('en-US')} ${r.unit}`);
  }
}
