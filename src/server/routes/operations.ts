/**
 * Operations routes (docs/operations.md): `GET /healthz` and `GET /readyz` (no token),
 * `GET /metrics` (Prometheus text; a read token unless the server runs with
 * `--metrics-public`), and `POST /api/v1/admin/backup` (admin), the backup taken through the
 * server's own database connection while it keeps running.
 */
import { z } from 'zod';
import { AUTH, BODY, errorResponses, errorSchema } from '../../core/api/errors.ts';
import { backupRequestSchema, backupSummarySchema, livenessSchema, readinessSchema } from '../../core/api/operations.ts';
import { ConflictError } from '../../core/errors.ts';
import { createBackup } from '../../operations/backup.ts';
import type { App, AppDeps } from '../app.ts';
import { createPrometheus } from '../prometheus.ts';
import { checkReadiness } from '../readiness.ts';

/** Registers the routes and the hook that counts error responses; call before other routes, so the hook sees them. */
export function registerOperationsRoutes(app: App, deps: AppDeps, version: string): void {
  const { store, control } = deps;
  const subscribers = () => control.events.subscribers();
  const prometheus = createPrometheus({ store, subscribers, ingestedPoints: () => control.intake.ingestedPoints(), now: deps.now });
  app.addHook('onResponse', async (request, reply) => {
    prometheus.observeResponse(request.routeOptions.url, reply.statusCode);
  });
  const read = () => ({ kind: 'read' }) as const;
  const admin = () => ({ kind: 'admin' }) as const;

  app.get('/healthz', {
    schema: { summary: 'Liveness: the process answers (no token needed)', security: [], response: { 200: livenessSchema, ...errorResponses({}) } },
  }, async () => ({ ok: true }) as const);

  app.get('/readyz', {
    schema: {
      summary: 'Readiness: started, the store answers, no durable subscriber lags beyond the bound; 503 (code not_ready) naming the failed checks otherwise (no token needed)',
      security: [],
      response: {
        200: readinessSchema,
        503: { description: 'Not ready: `error.code` is `not_ready`, `error.message` names each failed check', content: { 'application/json': { schema: errorSchema } } },
        ...errorResponses({}),
      },
    },
  }, async (_request, reply) => {
    const readiness = await checkReadiness({ store, subscribers, started: deps.started ?? (() => true), maxLag: deps.readyMaxEventLag });
    if (!readiness.ready) return reply.code(503).send({ error: { code: 'not_ready', message: readiness.reason ?? 'not ready' } } as never);
    return readiness;
  });

  app.get('/metrics', {
    config: deps.metricsPublic ? {} : { access: read },
    schema: {
      summary: deps.metricsPublic ? 'Prometheus metrics (text exposition format; public on this server)' : 'Prometheus metrics (text exposition format; a read or admin token)',
      ...(deps.metricsPublic ? { security: [] } : {}),
      response: {
        200: { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: z.string() } } },
        ...errorResponses(deps.metricsPublic ? {} : AUTH),
      },
    },
  }, async (_request, reply) => {
    const text = await prometheus.registry.metrics();
    return reply.type(prometheus.registry.contentType).send(text);
  });

  let backingUp = false;
  app.post('/api/v1/admin/backup', {
    config: { access: admin },
    schema: {
      summary: 'Back up the data directory to a new directory on the server\'s machine while the server runs (docs/operations.md#backup)',
      body: backupRequestSchema,
      response: { 200: backupSummarySchema, ...errorResponses({ ...BODY, ...AUTH, 409: 'a backup is under way' }) },
    },
  }, async (request) => {
    if (backingUp) throw new ConflictError('a backup is under way on this server: wait for it to finish');
    backingUp = true;
    try {
      const dest = request.body.dest;
      const manifest = await createBackup({ dataDir: deps.layout.root, dest, copyDatabase: (to) => store.backupDatabase(to), now: deps.now, version });
      return {
        dest,
        createdAt: manifest.createdAt,
        files: manifest.totals.files,
        bytes: manifest.totals.bytes,
        counts: manifest.database.counts,
        skipped: manifest.skipped.length,
        externalCheckpoints: manifest.externalCheckpoints.length,
        missingCheckpoints: manifest.missingCheckpoints.length,
      };
    } finally {
      backingUp = false;
    }
  });
}
