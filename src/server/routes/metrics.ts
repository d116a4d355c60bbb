/** Metric routes: ingest batches from runs, list series, read a series raw or bucketed. */
import { z } from 'zod';
import { NotFoundError } from '../../core/errors.ts';
import type { App, AppDeps } from '../app.ts';
import { loadJob } from './jobs.ts';
import { AUTH, BODY, errorResponses } from '../../core/api/errors.ts';
import { metricBatchSchema, metricWriteSchema, seriesListSchema, seriesSchema } from '../../core/api/metrics.ts';
import { bodyCheckedByHandler, jobIdParams, runIdParams, type ApiTypeProvider } from './schemas.ts';

/** Largest metric batch body. Default: 32 MiB (over a million points in columnar JSON). */
export const METRICS_BODY_LIMIT = 32 << 20;

/** Runs whose job is remembered by the batch route. Default: 4,096. */
const REMEMBERED_RUNS = 4096;

export function registerMetricRoutes(app: App, deps: AppDeps): void {
  const { store } = deps;
  // A run's job never changes and runs are not deleted, so the batch route reads it once per
  // run, not once per batch (a run posts a batch every half second, 64 runs at once under load).
  const jobOfRun = new Map<number, number>();

  async function runRef(runId: number): Promise<{ runId: number; jobId: number }> {
    let jobId = jobOfRun.get(runId);
    if (jobId === undefined) {
      const run = await store.getRun(runId);
      if (!run) throw new NotFoundError('run', runId);
      jobId = run.jobId;
      if (jobOfRun.size >= REMEMBERED_RUNS) jobOfRun.delete(jobOfRun.keys().next().value as number);
      jobOfRun.set(runId, jobId);
    }
    return { runId, jobId };
  }

  // The batch route parses its own body (off the main thread when large): its JSON parser
  // hands over the raw bytes, in a plugin scope so the other routes keep the default one.
  void app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: METRICS_BODY_LIMIT }, (_request, body, done) => done(null, body));
    scope.withTypeProvider<ApiTypeProvider>().post('/api/v1/runs/:runId/metrics', {
      config: { access: (r) => ({ kind: 'run', runId: Number((r.params as { runId: string }).runId) }) },
      bodyLimit: METRICS_BODY_LIMIT,
      schema: {
        summary: 'Record a batch of metric points',
        params: runIdParams,
        body: metricBatchSchema,
        response: {
          200: metricWriteSchema,
          ...errorResponses({
            ...BODY,
            400: 'a batch that is not valid: `field` names the point ("series.loss.values[3]")',
            ...AUTH,
            404: 'no run with this id',
            413: 'over 32 MiB, 1,000,000 points or 1,000 keys',
          }),
        },
      },
      // The documented schema is not run here: the batch parser checks every point far faster.
      validatorCompiler: bodyCheckedByHandler,
    }, async (request) => {
      const run = await runRef(request.params.runId);
      const batch = await deps.batchParser.parse(request.body as unknown as Buffer, deps.now());
      return deps.control.intake.metrics(run, batch);
    });
  });

  app.get('/api/v1/jobs/:id/metrics', {
    config: { access: (r) => ({ kind: 'job', jobId: Number((r.params as { id: string }).id), write: false }) },
    schema: {
      summary: "Summaries of a job's metric series",
      params: jobIdParams,
      response: { 200: seriesListSchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no job with this id' }) },
    },
  }, async (request) => {
    await loadJob(deps, request.params.id);
    return { series: await store.listSeries(request.params.id) };
  });

  app.get('/api/v1/jobs/:id/metrics/:key', {
    config: { access: (r) => ({ kind: 'job', jobId: Number((r.params as { id: string }).id), write: false }) },
    schema: {
      summary: 'One series: raw points when few, else min/max/last per bucket',
      params: jobIdParams.extend({ key: z.string() }),
      querystring: z.object({
        from: z.coerce.number().optional(),
        to: z.coerce.number().optional(),
        buckets: z.coerce.number().int().min(1).max(100_000).default(1000),
      }),
      response: { 200: seriesSchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no job with this id, or no such metric' }) },
    },
  }, async (request) => {
    const { id, key } = request.params;
    const { from, to, buckets } = request.query;
    await loadJob(deps, id);
    const info = (await store.listSeries(id)).find((s) => s.key === key);
    if (!info) throw new NotFoundError(`metric of job ${id}`, key);
    const range = { from, to };
    // The whole-series count decides cheaply; a narrow range of a long series is bucketed too,
    // which returns the raw points anyway when each bucket holds one.
    if (info.count <= buckets) {
      const points = await store.readSeries(id, key, range);
      return { key, steps: Array.from(points.steps), values: Array.from(points.values).map(jsonNumber), times: Array.from(points.times) };
    }
    const b = await store.readBuckets(id, key, buckets, range);
    return { key, bucketed: true as const, steps: b.steps, min: b.min.map(jsonNumber), max: b.max.map(jsonNumber), last: b.last.map(jsonNumber), count: b.count };
  });
}

/** JSON has no NaN or infinities: send them as the strings the batch format accepts. */
function jsonNumber(x: number): number | 'NaN' | 'Infinity' | '-Infinity' {
  return Number.isFinite(x) ? x : (String(x) as 'NaN' | 'Infinity' | '-Infinity');
}
