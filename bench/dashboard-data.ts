/**
 * Data for the dashboard benchmark, written through the store into a data directory before a
 * server opens it: finished jobs for the jobs page, and runs with long metric series for the
 * compare view. Every job and run is in a final state, so the server starts nothing.
 */
import { join } from 'node:path';
import { parseJobSpec } from '../src/core/job-spec.ts';
import type { JobSpec } from '../src/core/types.ts';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../src/store/store.ts';
import { REPO } from '../test/harness.ts';

const T0 = Date.now() - 7 * 86_400_000;
const STATES = ['succeeded', 'succeeded', 'succeeded', 'failed', 'stopped'] as const;

function spec(name: string, params: Record<string, unknown>): JobSpec {
  return parseJobSpec({ name, command: ['python3', 'train.py'], cwd: REPO, params, resources: { gpus: 0, cpus: 1 }, maxRetries: 0, keepCheckpoints: 0, tags: ['bench'] });
}

/** A job with one finished run, whose run (if `points` > 0) logged `loss` at steps 0…points-1. */
async function finishedJob(store: Store, dataDir: string, i: number, points: number, batch = 250_000): Promise<number> {
  const created = T0 + i * 60_000;
  const job = await store.createJob(spec(`bench-${i}`, { lr: 10 ** -(1 + (i % 4)), batch: 32 << (i % 3), seed: i }), created);
  const claimed = await store.claimJob(job.id, { logPath: join(dataDir, 'none.log'), resumedFrom: null, resumeStep: null }, created + 1000);
  if (!claimed) throw new Error(`could not claim bench job ${job.id}`);
  const decay = 1 + (i % 7) / 10;
  for (let start = 0; start < points; start += batch) {
    const n = Math.min(batch, points - start);
    const steps = new Float64Array(n);
    const values = new Float64Array(n);
    const times = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const step = start + k;
      steps[k] = step;
      values[k] = 2 / (1 + step / 10_000) ** (0.5 * decay) + 0.05 * Math.sin(step * 0.37 + i);
      times[k] = created + 1000 + step;
    }
    await store.recordMetrics({ runId: claimed.run.id, batchId: null, series: new Map([['loss', { steps, values, times }]]) });
  }
  const state = points > 0 ? 'succeeded' : STATES[i % STATES.length];
  const ended = created + 1000 + Math.max(points, 30_000);
  const runState = state === 'succeeded' ? 'succeeded' : state === 'failed' ? 'failed' : 'stopped';
  const total = points || 10_000;
  await store.endRun(claimed.run.id, {
    run: {
      state: runState, exitCode: state === 'succeeded' ? 0 : state === 'failed' ? 1 : null, signal: null, endedAt: ended,
      outcome: { kind: state === 'succeeded' ? 'success' : state === 'failed' ? 'exit-code' : 'stopped', detail: '', retryable: false },
    },
    job: { state, endedAt: ended, outcome: { kind: state === 'succeeded' ? 'success' : 'exit-code', detail: '', retryable: false } },
    progress: { step: state === 'succeeded' ? total - 1 : Math.floor(total / 2), total, rate: 100, etaSeconds: null },
  });
  return job.id;
}

/** `jobs` finished jobs without metrics (the jobs page). */
export async function writeJobs(dataDir: string, jobs: number): Promise<number[]> {
  const store = await createSqliteStore(join(dataDir, 'trainyard.db'));
  try {
    const ids: number[] = [];
    for (let i = 0; i < jobs; i++) ids.push(await finishedJob(store, dataDir, i, 0));
    return ids;
  } finally {
    await store.close();
  }
}

/** `runs` finished jobs each with a `points`-long loss series (the compare view). */
export async function writeRuns(dataDir: string, runs: number, points: number): Promise<number[]> {
  const store = await createSqliteStore(join(dataDir, 'trainyard.db'));
  try {
    const ids: number[] = [];
    for (let i = 0; i < runs; i++) ids.push(await finishedJob(store, dataDir, i, points));
    return ids;
  } finally {
    await store.close();
  }
}
