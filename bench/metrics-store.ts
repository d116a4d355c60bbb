/**
 * Metric store benchmark: ingestion rate and bytes per point of the SQLite store for big
 * columnar batches and for SDK-sized ones (one run, then 64 at once), and `readBuckets` over a
 * 10M-point series; against a bare better-sqlite3 table with one row per point, measured in
 * the same run.
 *
 * Run alone: `node --import tsx bench/metrics-store.ts`. Takes 10-30 s, ~250 MB of temporary
 * disk and ~250 MB of memory (batches are generated one at a time).
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { SeriesPoints } from '../src/core/types.ts';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { MetricBatch, Store } from '../src/store/store.ts';
import type { BenchResult } from './bench-result.ts';
import { parseJobSpec } from '../src/core/job-spec.ts';

const T0 = 1_700_000_000_000;
const KEYS = 10;

/** Keys × points per key per batch, and batches, of each ingestion scenario. */
const BIG = { keys: KEYS, pointsPerKey: 10_000, batches: 30 };
const SDK = { keys: KEYS, pointsPerKey: 50, batches: 1_000 };
/** SDK-sized batches from many runs at once, as a busy server's store receives them. */
const SDK_CONCURRENT = { runs: 64, batchesPerRun: 40 };
const LONG_SERIES = { points: 10_000_000, perBatch: 200_000, buckets: 1_000, reads: 15 };
const BASELINE_ROWS = 1_000_000;

export async function benchMetricsStore(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-bench-metrics-'));
  try {
    const baseline = bareSqliteRows(join(dir, 'bare.db'));
    const big = await ingest(join(dir, 'big.db'), BIG);
    const sdk = await ingest(join(dir, 'sdk.db'), SDK);
    const concurrent = await ingestConcurrently(join(dir, 'concurrent.db'));
    const buckets = await readBuckets(join(dir, 'long.db'));
    const bare = { name: 'better-sqlite3, one row per point' };
    return [
      {
        name: `ingest, ${BIG.keys} keys × ${BIG.pointsPerKey} points per batch`,
        value: big.pointsPerSecond,
        unit: 'points/s',
        baseline: { ...bare, value: baseline.rowsPerSecond },
      },
      {
        name: 'bytes per point on disk, big batches',
        value: big.bytesPerPoint,
        unit: 'bytes/point',
        baseline: { ...bare, value: baseline.bytesPerRow },
        target: '<= 20',
        ok: big.bytesPerPoint <= 20,
      },
      {
        name: `ingest, ${SDK.keys} keys × ${SDK.pointsPerKey} points per batch (SDK-sized)`,
        value: sdk.pointsPerSecond,
        unit: 'points/s',
        baseline: { ...bare, value: baseline.rowsPerSecond },
      },
      {
        name: `ingest, ${SDK_CONCURRENT.runs} runs at once × SDK-sized batches (committed in groups)`,
        value: concurrent,
        unit: 'points/s',
        baseline: { ...bare, value: baseline.rowsPerSecond },
      },
      {
        name: 'bytes per point on disk, SDK-sized batches',
        value: sdk.bytesPerPoint,
        unit: 'bytes/point',
        baseline: { ...bare, value: baseline.bytesPerRow },
        target: '<= 20',
        ok: sdk.bytesPerPoint <= 20,
      },
      {
        name: `readBuckets, ${LONG_SERIES.points / 1e6}M-point series into ${LONG_SERIES.buckets} buckets, whole series: edges fall between chunks (median)`,
        value: buckets.wholeMs,
        unit: 'ms',
        baseline: { name: `SQL GROUP BY over ${BASELINE_ROWS / 1e6}M bare rows`, value: baseline.groupByMs },
        target: '< 20 ms',
        ok: buckets.wholeMs < 20,
      },
      {
        name: 'readBuckets, same from step 123: every bucket edge inside a chunk, ~1000 chunks decoded (median)',
        value: buckets.unalignedMs,
        unit: 'ms',
        target: '< 20 ms',
        ok: buckets.unalignedMs < 20,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function openWithRun(path: string): Promise<{ store: Store; jobId: number; runId: number }> {
  const store = await createSqliteStore(path);
  const job = await store.createJob(
    parseJobSpec({ name: 'bench', command: ['true'], cwd: '/', maxRetries: 0, keepCheckpoints: 0, stopGraceSeconds: 1 }),
    T0,
  );
  const claimed = await store.claimJob(job.id, { logPath: '/dev/null', resumedFrom: null, resumeStep: null }, T0);
  if (claimed === null) throw new Error('claim failed');
  return { store, jobId: job.id, runId: claimed.run.id };
}

/** Points `from..from+n-1` of key number k: steps 0,1,2…, a noisy curve, 10 ms apart. */
function makePoints(k: number, from: number, n: number): SeriesPoints {
  const steps = new Float64Array(n);
  const values = new Float64Array(n);
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const step = from + i;
    steps[i] = step;
    values[i] = Math.exp(-step / 1e5) * (1 + k) + Math.sin(step * 12.9898 + k) * 0.01;
    times[i] = T0 + step * 10;
  }
  return { steps, values, times };
}

function batchOf(runId: number, index: number, keys: number, perKey: number): MetricBatch {
  const series = new Map<string, SeriesPoints>();
  for (let k = 0; k < keys; k++) series.set(`metric/${k}`, makePoints(k, index * perKey, perKey));
  return { runId, batchId: `batch-${index}`, series };
}

async function ingest(path: string, shape: typeof BIG): Promise<{ pointsPerSecond: number; bytesPerPoint: number }> {
  const { store, runId } = await openWithRun(path);
  let elapsed = 0;
  for (let b = 0; b < shape.batches; b++) {
    const batch = batchOf(runId, b, shape.keys, shape.pointsPerKey);
    const start = performance.now();
    await store.recordMetrics(batch);
    elapsed += performance.now() - start;
  }
  await store.close();
  const points = shape.batches * shape.keys * shape.pointsPerKey;
  return { pointsPerSecond: points / (elapsed / 1000), bytesPerPoint: diskBytes(path) / points };
}

/** SDK_CONCURRENT.runs runs each awaiting its own batches, all at once; points/s. */
async function ingestConcurrently(path: string): Promise<number> {
  const { store } = await openWithRun(path);
  const runs: number[] = [];
  for (let r = 0; r < SDK_CONCURRENT.runs; r++) {
    const job = await store.createJob(parseJobSpec({ name: `run-${r}`, command: ['true'], cwd: '/', maxRetries: 0, keepCheckpoints: 0, stopGraceSeconds: 1 }), T0);
    const claimed = await store.claimJob(job.id, { logPath: '/dev/null', resumedFrom: null, resumeStep: null }, T0);
    if (claimed === null) throw new Error('claim failed');
    runs.push(claimed.run.id);
  }
  const batches = runs.map((runId) => Array.from({ length: SDK_CONCURRENT.batchesPerRun }, (_, b) => batchOf(runId, b, SDK.keys, SDK.pointsPerKey)));
  const start = performance.now();
  await Promise.all(batches.map(async (list) => {
    for (const batch of list) await store.recordMetrics(batch);
  }));
  const seconds = (performance.now() - start) / 1000;
  await store.close();
  return (SDK_CONCURRENT.runs * SDK_CONCURRENT.batchesPerRun * SDK.keys * SDK.pointsPerKey) / seconds;
}

async function readBuckets(path: string): Promise<{ wholeMs: number; unalignedMs: number }> {
  const { store, jobId, runId } = await openWithRun(path);
  for (let from = 0, b = 0; from < LONG_SERIES.points; from += LONG_SERIES.perBatch, b++) {
    const series = new Map([['loss', makePoints(0, from, LONG_SERIES.perBatch)]]);
    await store.recordMetrics({ runId, batchId: `b${b}`, series });
  }
  async function median(range: { from?: number }): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < LONG_SERIES.reads; i++) {
      const start = performance.now();
      const result = await store.readBuckets(jobId, 'loss', LONG_SERIES.buckets, range);
      times.push(performance.now() - start);
      if (result.steps.length !== LONG_SERIES.buckets) throw new Error(`expected ${LONG_SERIES.buckets} buckets`);
    }
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
  }
  const wholeMs = await median({});
  const unalignedMs = await median({ from: 123 });
  await store.close();
  return { wholeMs, unalignedMs };
}

/** The plain approach: one row per point, indexed by (series, step), 10 keys × 10k per commit. */
function bareSqliteRows(path: string): { rowsPerSecond: number; bytesPerRow: number; groupByMs: number } {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`create table points (series_id integer not null, step integer not null, value real, time integer not null);
           create index points_series_step on points (series_id, step);`);
  const insert = db.prepare('insert into points (series_id, step, value, time) values (?, ?, ?, ?)');
  const perKey = BIG.pointsPerKey;
  const write = db.transaction((b: number) => {
    for (let k = 0; k < KEYS; k++) {
      const p = makePoints(k, b * perKey, perKey);
      for (let i = 0; i < perKey; i++) insert.run(k, p.steps[i], p.values[i], p.times[i]);
    }
  });
  let elapsed = 0;
  for (let b = 0; b < BASELINE_ROWS / (KEYS * perKey); b++) {
    const start = performance.now();
    write(b);
    elapsed += performance.now() - start;
  }
  const width = BASELINE_ROWS / KEYS / LONG_SERIES.buckets;
  const start = performance.now();
  db.prepare(
    `select cast(step / ? as integer) as b, min(value), max(value), max(step), count(*)
       from points where series_id = 0 group by b`,
  ).all(width);
  const groupByMs = performance.now() - start;
  db.close();
  return { rowsPerSecond: BASELINE_ROWS / (elapsed / 1000), bytesPerRow: diskBytes(path) / BASELINE_ROWS, groupByMs };
}

/** Database file plus WAL (if any is left after close). */
function diskBytes(path: string): number {
  const wal = `${path}-wal`;
  return statSync(path).size + (existsSync(wal) ? statSync(wal).size : 0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  for (const r of await benchMetricsStore()) {
    const base = r.baseline ? `  (baseline ${r.baseline.name}: ${fmt(r.baseline.value)})` : '';
    const target = r.target ? `  target ${r.target}: ${r.ok ? 'ok' : 'MISSED'}` : '';
    console.log(`${r.name}: ${fmt(r.value)} ${r.unit}${target}${base}`);
  }
  console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function fmt(x: number): string {
  return x >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2);
}
