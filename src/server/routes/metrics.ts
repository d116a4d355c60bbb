/** Metric routes: ingest batches from runs, list series, read a series raw or bucketed. */
import { z } from 'zod';
import { NotFoundError } from '../../core/errors.ts';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { App, AppDeps } from '../app.ts';
import { loadJob } from './jobs.ts';
import { bodyCheckedByHandler, jobIdParams, runIdParams } from './schemas.ts';

/** Largest metric batch body. Default: 32 MiB (over a million points in columnar JSON). */
export const METRICS_BODY_LIMIT = 32 << 20;

const seriesColumns = z.object({
  steps: z.array(z.number()),
  values: z.array(z.union([z.number(), z.null(), z.enum(['NaN', 'Infinity', '-Infinity'])])),
  times: z.array(z.number()).optional().describe('epoch ms; default: the time the server received the batch'),
});

/** Documents the batch for OpenAPI; the handler validates it with a hand-written fast path. */
const metricBatchDoc = z.object({
  batchId: z.string().optional().describe('client-chosen id; a repeated id is accepted once'),
  series: z.record(z.string(), seriesColumns).optional().describe('columnar form (preferred)'),
  rows: z.array(z.object({ step: z.number(), time: z.number().optional(), metrics: z.record(z.string(), z.number()) })).optional()
    .describe('row form'),
});

export function registerMetricRoutes(app: App, deps: AppDeps): void {
  const { store } = deps;

  // The batch route parses its own body (off the main thread when large): its JSON parser
  // hands over the raw bytes, in a plugin scope so the other routes keep the default one.
  void app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: METRICS_BODY_LIMIT }, (_request, body, done) => done(null, body));
    scope.withTypeProvider<ZodTypeProvider>().post('/api/v1/runs/:runId/metrics', {
      config: { access: (r) => ({ kind: 'run', runId: Number((r.params as { runId: string }).runId) }) },
      bodyLimit: METRICS_BODY_LIMIT,
      schema: { summary: 'Record a batch of metric points', params: runIdParams, body: metricBatchDoc },
      // The documented schema is not run here: the batch parser checks every point far faster.
      validatorCompiler: bodyCheckedByHandler,
    }, async (request) => {
      const run = await store.getRun(request.params.runId);
      if (!run) throw new NotFoundError('run', request.params.runId);
      const batch = await deps.batchParser.parse(request.body as unknown as Buffer, deps.now());
      const result = await store.recordMetrics({ runId: run.id, batchId: batch.batchId, series: batch.series });
      if (!result.duplicate) deps.runs.onMetrics(run.jobId, run.id, batch.series, batch.maxStep, batch.latest);
      return result;
    });
  });

  app.get('/api/v1/jobs/:id/metrics', {
    config: { access: (r) => ({ kind: 'job', jobId: Number((r.params as { id: string }).id), write: false }) },
    schema: { summary: "Summaries of a job's metric series", params: jobIdParams },
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
    return { key, bucketed: true, steps: b.steps, min: b.min.map(jsonNumber), max: b.max.map(jsonNumber), last: b.last.map(jsonNumber), count: b.count };
  });
}

/** JSON has no NaN or infinities: send them as the strings the batch format accepts. */
function jsonNumber(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}
