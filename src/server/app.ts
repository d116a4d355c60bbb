/**
 * The HTTP application: authentication, the routes, the OpenAPI document and the error
 * handler. Built without listening, so tests can use `app.inject()`.
 */
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { TokenScope } from '../core/types.ts';
import type { Store } from '../store/store.ts';
import { authenticate, authorize, type Access } from './auth.ts';
import type { DataDirLayout } from './data-dir.ts';
import { errorHandler } from './errors.ts';
import type { EventBus } from './events.ts';
import type { BatchParserPool } from './ingest/batch-parser-pool.ts';
import type { SlotInventory } from '../scheduler/scheduler.ts';
import { registerControlRoutes } from './routes/control.ts';
import type { ProgressBook } from './progress-book.ts';
import { registerCompareRoutes } from './routes/compare.ts';
import { registerDatasetRoutes } from './routes/datasets.ts';
import { registerEventRoutes } from './routes/events.ts';
import { registerJobRoutes } from './routes/jobs.ts';
import { registerMetricRoutes } from './routes/metrics.ts';
import { registerRunRoutes } from './routes/runs.ts';
import { registerTokenRoutes } from './routes/tokens.ts';
import type { RunManager } from './run-manager.ts';
import { registerWeb } from './web.ts';

export const VERSION = '0.1.0';

export interface AppDeps {
  readonly store: Store;
  readonly bus: EventBus;
  readonly runs: RunManager;
  readonly progress: ProgressBook;
  readonly layout: DataDirLayout;
  readonly now: () => number;
  /** The slots this server hands out (for the timeline). */
  readonly slots: SlotInventory;
  /** Parses metric batches (off the main thread when large). */
  readonly batchParser: BatchParserPool;
  /** Default: false (quiet); the server logs its own lines. */
  readonly logRequests?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    scope: TokenScope | null;
  }
  interface FastifyContextConfig {
    /** Who may call the route; routes without it are public. */
    access?: (request: FastifyRequest) => Access;
  }
}

export type App = FastifyInstance<any, any, any, any, ZodTypeProvider>;

export async function buildApp(deps: AppDeps): Promise<App> {
  const app = Fastify({
    logger: deps.logRequests ? { level: 'info' } : false,
    forceCloseConnections: true,
    bodyLimit: 1 << 20,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.decorateRequest('scope', null);

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Trainyard API', version: VERSION, description: 'Submit, watch and steer training jobs. See docs/http-api.md.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  // Authenticate before the body is read, so an unauthenticated client cannot make us parse MBs.
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.access) {
      request.scope = await authenticate(deps.store, request.headers.authorization);
    }
  });
  app.addHook('preHandler', async (request: FastifyRequest) => {
    const access = request.routeOptions.config.access;
    if (access && request.scope) authorize(request.scope, access(request));
  });

  app.get('/health', { schema: { hide: true } }, async () => ({ ok: true, version: VERSION }));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerJobRoutes(app, deps);
  registerControlRoutes(app, deps);
  registerMetricRoutes(app, deps);
  registerRunRoutes(app, deps);
  registerEventRoutes(app, deps);
  registerCompareRoutes(app, deps);
  registerTokenRoutes(app, deps);
  registerDatasetRoutes(app, deps);
  await registerWeb(app);
  return app;
}
