/**
 * Compare runs: one metric of many jobs in one request, each bucketed over the same step range
 * so the buckets line up (column i covers the same steps in every job), plus what a side-by-side
 * view needs of each job: its params, its metric keys and its best checkpoint by that metric.
 *
 * 50 jobs × 1M points answer in one request of `buckets` columns per job: the store reads chunk
 * summaries (`readBuckets`), never every point.
 */
import { z } from 'zod';
import { NotFoundError } from '../../core/errors.ts';
import type { BucketedSeries, Checkpoint } from '../../core/types.ts';
import type { App, AppDeps } from '../app.ts';
import { AUTH, errorResponses } from '../../core/api/errors.ts';
import { compareSchema } from '../../core/api/compare.ts';
import { csv } from './schemas.ts';

/** Most jobs one compare request may name. Default: 100. */
export const COMPARE_MAX_JOBS = 100;

const query = z.object({
  jobs: csv.pipe(z.array(z.string().transform(Number).pipe(z.number().int().positive())).min(1).max(COMPARE_MAX_JOBS))
    .describe('job ids, comma-separated'),
  key: z.string().min(1).max(200),
  buckets: z.coerce.number().int().min(1).max(10_000).default(1000),
  from: z.coerce.number().optional(),
  to: z.coerce.number().optional(),
  goal: z.enum(['min', 'max']).default('min').describe('whether a lower or a higher value of `key` is better'),
  bands: z.enum(['true', 'false']).default('true').transform((v) => v === 'true')
    .describe('false: only the last value per column (no min/max band), a third of the answer'),
  digits: z.coerce.number().int().min(0).max(17).default(6)
    .describe('significant digits of the values (a chart needs few; halves the answer); 0: full precision'),
});

/**
 * A job's series laid on the shared columns: null where it has no point (or a NaN/infinite
 * one). `min`/`max` are null when the band was not asked for.
 */
interface AlignedColumns {
  readonly min: (number | null)[] | null;
  readonly max: (number | null)[] | null;
  readonly last: (number | null)[];
}

export function registerCompareRoutes(app: App, deps: AppDeps): void {
  const { store } = deps;

  app.get('/api/v1/compare', {
    config: { access: () => ({ kind: 'read' }) },
    schema: {
      summary: 'One metric of several jobs, bucketed on shared step columns, with params and best checkpoints',
      querystring: query,
      response: { 200: compareSchema, ...errorResponses({ 400: true, ...AUTH, 404: 'one of the jobs does not exist' }) },
    },
  }, async (request) => {
    const { jobs: ids, key, buckets, goal, digits, bands } = request.query;
    const unique = [...new Set(ids)];
    const jobs = await Promise.all(unique.map(async (id) => {
      const job = await store.getJob(id);
      if (!job) throw new NotFoundError('job', id);
      return { job, series: await store.listSeries(id) };
    }));

    const withKey = jobs.map((j) => j.series.find((s) => s.key === key)).filter((s) => s !== undefined);
    const from = request.query.from ?? Math.min(...withKey.map((s) => s.firstStep));
    const to = request.query.to ?? Math.max(...withKey.map((s) => s.lastStep));
    const ranged = withKey.length > 0 && Number.isFinite(from) && Number.isFinite(to) && from <= to;

    const read: (BucketedSeries | null)[] = [];
    for (const { job, series } of jobs) {
      const info = series.find((s) => s.key === key);
      const overlaps = ranged && info !== undefined && info.lastStep >= from && info.firstStep <= to;
      read.push(overlaps ? await store.readBuckets(job.id, key, buckets, { from, to }) : null);
    }
    const { steps, columns } = alignBuckets(read, ranged ? { from, to, buckets } : null, digits, bands);

    const out = [];
    for (let i = 0; i < jobs.length; i++) {
      const { job, series } = jobs[i];
      const checkpoints = await store.listCheckpoints(job.id);
      out.push({
        id: job.id,
        name: job.spec.name,
        state: job.state,
        params: job.spec.params,
        tags: job.spec.tags,
        keys: series.map((s) => s.key),
        found: series.some((s) => s.key === key),
        ...columns[i],
        best: bestCheckpoint(checkpoints, key, goal),
      });
    }
    return { key, from: ranged ? from : null, to: ranged ? to : null, buckets, goal, steps, jobs: out };
  });
}

/**
 * Lays each job's buckets on shared columns: bucket b of [from, to] in `buckets` equal parts is
 * column b in every job (the store's rule), and only columns some job has a point in are kept.
 * A column's step is the largest last-point step among the jobs in it.
 */
export function alignBuckets(
  series: readonly (BucketedSeries | null)[],
  range: { from: number; to: number; buckets: number } | null,
  digits = 0,
  bands = true,
): { steps: number[]; columns: AlignedColumns[] } {
  const finite = digits > 0 ? (x: number) => roundTo(x, digits) : finiteOrNull;
  if (range === null) return { steps: [], columns: series.map(() => ({ min: bands ? [] : null, max: bands ? [] : null, last: [] })) };
  const { from, to, buckets } = range;
  const width = (to - from) / buckets;
  const bucketOf = (step: number) => (width === 0 ? 0 : Math.max(0, Math.min(buckets - 1, Math.floor((step - from) / width))));
  const stepAt = new Float64Array(buckets).fill(NaN);
  for (const s of series) {
    if (!s) continue;
    for (const step of s.steps) {
      const b = bucketOf(step);
      if (!(stepAt[b] >= step)) stepAt[b] = step;
    }
  }
  const column = new Int32Array(buckets).fill(-1);
  const steps: number[] = [];
  for (let b = 0; b < buckets; b++) {
    if (Number.isNaN(stepAt[b])) continue;
    column[b] = steps.length;
    steps.push(stepAt[b]);
  }
  const columns = series.map((s) => {
    const empty = () => new Array<number | null>(steps.length).fill(null);
    const out: AlignedColumns = { min: bands ? empty() : null, max: bands ? empty() : null, last: empty() };
    if (!s) return out;
    for (let i = 0; i < s.steps.length; i++) {
      const c = column[bucketOf(s.steps[i])];
      out.last[c] = finite(s.last[i]);
      if (out.min && out.max) {
        out.min[c] = finite(s.min[i]);
        out.max[c] = finite(s.max[i]);
      }
    }
    return out;
  });
  return { steps, columns };
}

/** The registered, not deleted checkpoint with the best finite `key` metric; ties go to the later step. */
export function bestCheckpoint(checkpoints: readonly Checkpoint[], key: string, goal: 'min' | 'max'): Checkpoint | null {
  let best: Checkpoint | null = null;
  for (const cp of checkpoints) {
    const value = cp.metrics[key];
    if (cp.deleted || typeof value !== 'number' || !Number.isFinite(value)) continue;
    const current = best?.metrics[key];
    const better = current === undefined || (goal === 'min' ? value <= current : value >= current);
    if (better) best = cp;
  }
  return best;
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/**
 * `x` to `digits` significant digits, null when not finite. Integer ÷ power of ten is the
 * double nearest the decimal, so JSON prints it short ("0.438473", not 17 digits).
 */
export function roundTo(x: number, digits: number): number | null {
  if (!Number.isFinite(x)) return null;
  if (x === 0) return 0;
  const shift = digits - Math.ceil(Math.log10(x < 0 ? -x : x));
  if (shift > 22 || shift < -22) return x;
  return shift >= 0 ? Math.round(x * POW10[shift]) / POW10[shift] : Math.round(x / POW10[-shift]) * POW10[-shift];
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
