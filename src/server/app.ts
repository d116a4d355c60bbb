/**
 * The HTTP application: authentication, the routes, the OpenAPI document and the error
 * handler. Built without listening, so tests can use `app.inject()`.
 */
import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { errorResponses } from '../core/api/errors.ts';
import { healthSchema } from '../core/api/health.ts';
import type { Control } from '../control/control.ts';
import type { Evaluator } from '../evaluation/evaluator.ts';
import type { Deployer } from '../deploy/deployer.ts';
import type { Automations } from '../automations/automations.ts';
import type { Curricula } from '../curriculum/curricula.ts';
import type { TokenScope } from '../core/types.ts';
import type { Store } from '../store/store.ts';
import { authenticate, authorizeRequest, type Access } from './auth.ts';
import { registerBodyParsers } from './body-parsers.ts';
import type { DataDirLayout } from '../control/data-dir.ts';
import { clientErrorHandler, createErrorHandler } from './errors.ts';
import type { BatchParserPool } from './ingest/batch-parser-pool.ts';
import type { SlotInventory } from '../scheduler/scheduler.ts';
import { registerControlRoutes } from './routes/control.ts';
import { registerCompareRoutes } from './routes/compare.ts';
import { registerDatasetRoutes } from './routes/datasets.ts';
import { registerDeploymentRoutes } from './routes/deployments.ts';
import { registerEvaluationRoutes } from './routes/evaluations.ts';
import { registerEventRoutes } from './routes/events.ts';
import { registerInboxRoutes } from './routes/inbox.ts';
import { registerJobRoutes } from './routes/jobs.ts';
import { registerMetricRoutes } from './routes/metrics.ts';
import { registerModelRoutes } from './routes/models.ts';
import { registerRunRoutes } from './routes/runs.ts';
import { registerRetentionRoutes } from './routes/retention.ts';
import { describeOpenApi } from './openapi.ts';
import { serializerCompiler, validatorCompiler, type ApiTypeProvider } from './routes/schemas.ts';
import { registerTokenRoutes } from './routes/tokens.ts';
import { registerApiKeyRoutes } from './routes/api-keys.ts';
import { registerAutomationRoutes } from './routes/automations.ts';
import { registerCurriculumRoutes } from './routes/curricula.ts';
import { registerArtifactRoutes } from './routes/artifacts.ts';
import { registerStudyRoutes } from './routes/studies.ts';
import { registerStudySuggestRoutes } from './routes/study-suggest.ts';
import { registerStudyReportRoutes } from './routes/study-report.ts';
import { registerOperationsRoutes } from './routes/operations.ts';
import type { Studies } from '../studies/studies.ts';
import { createServerLog } from './server-log.ts';
import { registerWeb } from './web.ts';
import { createSessionAuth } from './session.ts';
import { registerSessionRoutes } from './routes/session.ts';
import { DEFAULT_SIGN_IN_POLICY, type SignInPolicy } from '../core/sign-in.ts';
import { registerAudit } from './audit.ts';
import { DEFAULT_RATE_LIMITS, registerRateLimits, type RateLimits } from './rate-limit.ts';
import { registerAuditRoutes } from './routes/audit.ts';

export const VERSION = '0.1.0';

export interface AppDeps {
  /** Reads. Every change goes through `control`. */
  readonly store: Store;
  readonly control: Control;
  readonly layout: DataDirLayout;
  readonly now: () => number;
  /** The slots this server hands out (for the timeline). */
  readonly slots: SlotInventory;
  /** Parses metric batches (off the main thread when large). */
  readonly batchParser: BatchParserPool;
  /** Default: false (quiet); the server logs its own lines. */
  readonly logRequests?: boolean;
  /** The server's console; told the first line of each failed request. Default: nothing. */
  readonly log?: (line: string) => void;
  /** Eval suites and evaluations (src/evaluation). */
  readonly evaluator: Evaluator;
  /** Deploy targets and deployments (src/deploy). */
  readonly deployer: Deployer;
  /** Automation rules and their firings (src/automations). */
  readonly automations: Automations;
  /** Curricula (src/curriculum). */
  readonly curricula: Curricula;
  /** Studies (src/studies). Default: none (the routes are absent). */
  readonly studies?: Studies;
  /** Operations (docs/operations.md): whether start-up finished, for `/readyz`. Default: always. */
  readonly started?: () => boolean;
  /** `/readyz` fails when a durable subscriber lags more events than this. Default: 10,000. */
  readonly readyMaxEventLag?: number;
  /** `GET /metrics` without a token (`--metrics-public`). Default: false (a read token). */
  readonly metricsPublic?: boolean;
  /** Dashboard sign-in codes' and sessions' lifetimes (core/sign-in.ts). Default: DEFAULT_SIGN_IN_POLICY. */
  readonly signIn?: SignInPolicy;
  /** `--secure-cookies`: the session cookie is always Secure (behind a TLS proxy). Default: only over HTTPS. */
  readonly secureCookies?: boolean;
  /** Request budgets per caller (server/rate-limit.ts, docs/audit.md). Default: DEFAULT_RATE_LIMITS. */
  readonly rateLimits?: RateLimits;
  /**
   * Fastify's `trustProxy` (`--trust-proxy`): true, or the proxies' addresses/CIDRs as a comma
   * list, whose X-Forwarded-For gives the client's IP (audit log, rate limits). Default: false,
   * the TCP peer's address.
   */
  readonly trustProxy?: boolean | string;
  /** Days the audit log keeps (docs/audit.md). Default: 90. */
  readonly auditRetentionDays?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    scope: TokenScope | null;
    /**
     * Who is calling (docs/tokens.md): a bearer token's 16-hex id, `session:<id>` for a
     * dashboard session; null when unauthenticated.
     */
    callerId: string | null;
  }
  interface FastifyContextConfig {
    /** Who may call the route; routes without it are public. */
    access?: (request: FastifyRequest) => Access;
  }
}

export type App = FastifyInstance<any, any, any, any, ApiTypeProvider>;

/**
 * Request ids: a random prefix per process, so that ids in the server log stay unique across
 * restarts, then a counter (drawing random bytes for every request cost ~20 µs of a batch's).
 */
function createRequestIds(): () => string {
  const prefix = randomBytes(4).toString('hex');
  let n = 0;
  return () => `${prefix}${(n++).toString(36)}`;
}

export async function buildApp(deps: AppDeps): Promise<App> {
  const errorHandler = createErrorHandler(createServerLog(deps.layout.serverLog, { now: deps.now, echo: deps.log }));
  const app = Fastify({
    logger: deps.logRequests ? { level: 'info' } : false,
    forceCloseConnections: true,
    bodyLimit: 1 << 20,
    genReqId: createRequestIds(),
    trustProxy: deps.trustProxy ?? false,
    // A URL or a request the router or Node's parser refuses still gets the one error shape.
    frameworkErrors: errorHandler,
    clientErrorHandler,
  }).withTypeProvider<ApiTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  registerBodyParsers(app);
  app.decorateRequest('scope', null);
  app.decorateRequest('callerId', null);
  await app.register(fastifyCookie);
  const signInPolicy = deps.signIn ?? DEFAULT_SIGN_IN_POLICY;
  const sessions = createSessionAuth({ store: deps.store, now: deps.now, policy: signInPolicy });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Trainyard API', version: VERSION, description: 'Submit, watch and steer training jobs. See docs/http-api.md.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: describeOpenApi,
  });

  // Authenticate before the body is read, so an unauthenticated client cannot make us parse MBs.
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.access) {
      // The dashboard's session cookie (session.ts) only when no bearer token is presented.
      if (request.headers.authorization === undefined && (await sessions.authenticate(request))) return;
      const caller = await authenticate(deps.store, request.headers.authorization, deps.now());
      request.scope = caller.scope;
      request.callerId = caller.tokenId;
    }
  });
  app.addHook('preHandler', async (request: FastifyRequest) => {
    const access = request.routeOptions.config.access;
    if (access && request.scope) await authorizeRequest(deps.store, request.scope, request.callerId, access(request));
  });

  app.get('/health', {
    schema: { summary: 'Whether the server is up, and its version (no token needed)', security: [], response: { 200: healthSchema, ...errorResponses({}) } },
  }, async () => ({ ok: true, version: VERSION }) as const);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // Audit log and rate limits (docs/audit.md): before the routes, which they attach to.
  await registerRateLimits(app, deps.rateLimits ?? DEFAULT_RATE_LIMITS);
  registerAudit(app, { store: deps.store, now: deps.now, log: deps.log, retentionDays: deps.auditRetentionDays });
  registerOperationsRoutes(app, deps, VERSION);

  registerJobRoutes(app, deps);
  registerControlRoutes(app, deps);
  registerMetricRoutes(app, deps);
  registerRunRoutes(app, deps);
  registerEventRoutes(app, deps);
  registerCompareRoutes(app, deps);
  registerTokenRoutes(app, deps);
  registerApiKeyRoutes(app, deps);
  registerDatasetRoutes(app, deps);
  registerInboxRoutes(app, deps);
  registerModelRoutes(app, deps);
  registerEvaluationRoutes(app, deps);
  registerRetentionRoutes(app, deps);
  registerDeploymentRoutes(app, deps);
  registerAutomationRoutes(app, deps);
  registerCurriculumRoutes(app, deps);
  registerArtifactRoutes(app, deps);
  registerStudyRoutes(app, deps);
  registerStudySuggestRoutes(app, deps);
  registerStudyReportRoutes(app, deps);
  registerSessionRoutes(app, deps, { sessions, policy: signInPolicy, cookies: { secureCookies: deps.secureCookies } });
  registerAuditRoutes(app, deps);
  await registerWeb(app);
  return app;
}
