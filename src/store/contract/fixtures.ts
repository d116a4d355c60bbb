/** Shared setup and reference computations of the store contract suite. */
import { afterEach, beforeEach } from 'node:test';
import type { BucketedSeries, Job, JobSpec, JobState, Run, RunOutcome, SeriesPoints } from '../../core/types.ts';
import type { JobChange, MetricBatch, Store } from '../store.ts';

export type StoreFactory = () => Promise<Store>;

/** A fresh store per test, closed after it; call inside a `describe`. */
export function useStore(createStore: StoreFactory): () => Store {
  let store: Store | null = null;
  beforeEach(async () => {
    store = await createStore();
  });
  afterEach(async () => {
    await store?.close();
    store = null;
  });
  return () => {
    if (store === null) throw new Error('the store is only open inside a test');
    return store;
  };
}

export const T0 = 1_700_000_000_000;

export function jobSpec(overrides: Partial<JobSpec> = {}): JobSpec {
  return {
    name: 'train',
    command: ['python', 'train.py', '--lr', '0.1'],
    shell: false,
    cwd: '/work',
    env: { SEED: '1' },
    params: { lr: 0.1, layers: [2, 3] },
    resources: { gpus: 1, cpus: 0 },
    maxRetries: 3,
    keepCheckpoints: 3,
    stopGraceSeconds: 30,
    tags: ['nightly'],
    priority: { class: 'normal', value: 0 },
    preemptible: false,
    after: [],
    timeLimitSeconds: null,
    owner: null,
    watchdog: { stuckSeconds: 3600, divergence: { metric: 'loss', factor: null, retryWithParams: null } },
    ...overrides,
  };
}

export const NEW_RUN = Object.freeze({ logPath: '/logs/run.log', resumedFrom: null, resumeStep: null });

/** Creates a job and claims it: the job is running with one run. */
export async function startRun(store: Store, now = T0): Promise<{ job: Job; run: Run }> {
  const job = await store.createJob(jobSpec(), now);
  const claimed = await store.claimJob(job.id, NEW_RUN, now + 1);
  if (claimed === null) throw new Error('claim of a fresh job failed');
  return claimed;
}

/**
 * Ends a run (as the control layer does when its process exits) and moves its job to
 * `jobState`, with an outcome that fits.
 */
export async function endRun(store: Store, run: Run, jobState: JobState, now = T0 + 50, fields: Partial<JobChange> = {}): Promise<{ job: Job; run: Run }> {
  const outcome: RunOutcome = jobState === 'succeeded'
    ? { kind: 'success', detail: 'exit code 0', retryable: false }
    : { kind: 'exit-code', detail: 'exit code 1', retryable: jobState === 'queued' };
  const ended = await store.endRun(run.id, {
    run: { state: jobState === 'succeeded' ? 'succeeded' : 'failed', exitCode: jobState === 'succeeded' ? 0 : 1, signal: null, outcome, endedAt: now },
    job: { state: jobState, outcome, stopReason: null, ...(jobState === 'queued' || jobState === 'paused' ? {} : { endedAt: now }), ...fields },
  });
  if (ended === null) throw new Error(`run ${run.id} was not running`);
  return ended;
}

export function points(steps: readonly number[], values: readonly number[], times?: readonly number[]): SeriesPoints {
  return { steps: [...steps], values: [...values], times: times ? [...times] : steps.map((s) => T0 + s) };
}

export function metricBatch(
  runId: number,
  series: Record<string, SeriesPoints>,
  batchId: string | null = null,
  logOffset?: number,
): MetricBatch {
  return { runId, batchId, series: new Map(Object.entries(series)), ...(logOffset === undefined ? {} : { logOffset }) };
}

/** Deterministic pseudo-random numbers in [0, 1). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** A column-wise copy of many point sets, in order. */
export function concatPoints(parts: readonly SeriesPoints[]): { steps: number[]; values: number[]; times: number[] } {
  const out = { steps: [] as number[], values: [] as number[], times: [] as number[] };
  for (const p of parts) {
    for (let i = 0; i < p.steps.length; i++) {
      out.steps.push(p.steps[i]);
      out.values.push(p.values[i]);
      out.times.push(p.times[i]);
    }
  }
  return out;
}

/** Points sorted by step (stable), restricted to [from, to]. */
export function referenceSeries(all: SeriesPoints, from = -Infinity, to = Infinity): SeriesPoints {
  const idx = Array.from({ length: all.steps.length }, (_, i) => i)
    .filter((i) => all.steps[i] >= from && all.steps[i] <= to)
    .sort((a, b) => all.steps[a] - all.steps[b] || a - b);
  return {
    steps: idx.map((i) => all.steps[i]),
    values: idx.map((i) => all.values[i]),
    times: idx.map((i) => all.times[i]),
  };
}

/** The documented bucket rule applied point by point (distinct steps assumed). */
export function referenceBuckets(key: string, all: SeriesPoints, buckets: number, range: { from?: number; to?: number } = {}): BucketedSeries {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < all.steps.length; i++) {
    lo = Math.min(lo, all.steps[i]);
    hi = Math.max(hi, all.steps[i]);
  }
  const from = range.from ?? lo;
  const to = range.to ?? hi;
  const sorted = referenceSeries(all, from, to);
  const width = (to - from) / buckets;
  const out: BucketedSeries = { key, steps: [], min: [], max: [], last: [], count: [] };
  let current = -1;
  for (let i = 0; i < sorted.steps.length; i++) {
    const step = sorted.steps[i];
    const value = sorted.values[i];
    const b = width === 0 ? 0 : Math.min(buckets - 1, Math.floor((step - from) / width));
    if (b !== current) {
      current = b;
      out.steps.push(step);
      out.min.push(NaN);
      out.max.push(NaN);
      out.last.push(value);
      out.count.push(0);
    }
    const k = out.steps.length - 1;
    out.steps[k] = step;
    out.last[k] = value;
    out.count[k]++;
    if (!Number.isNaN(value)) {
      out.min[k] = Number.isNaN(out.min[k]) ? value : Math.min(out.min[k], value);
      out.max[k] = Number.isNaN(out.max[k]) ? value : Math.max(out.max[k], value);
    }
  }
  return out;
}

/** Plain arrays of a SeriesPoints, for deepEqual whatever array type the store returns. */
export function plain(p: SeriesPoints): { steps: number[]; values: number[]; times: number[] } {
  return { steps: Array.from(p.steps), values: Array.from(p.values), times: Array.from(p.times) };
}
