/**
 * Rate limits per caller (docs/audit.md "Rate limits"), with @fastify/rate-limit: each request
 * under `/api/` counts against one budget of its caller (core/audit.ts `rateClassOf`): `ingest`
 * (a run's reporting routes), `control` (every other POST/PUT/PATCH/DELETE) or `read` (GET).
 * The caller is `request.callerId` (a token's id, a dashboard session), else the client's IP.
 * Over budget: 429 in the one error shape (`RateLimitedError`) with `Retry-After` in seconds.
 *
 * The limiter runs in `onRequest` after authentication (so unauthenticated requests are refused
 * by it first, and the body of a limited request is never read). Counts are kept in memory, per
 * fixed window; a restart starts every budget afresh.
 */
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { rateClassOf, type RateClass, type RateLimits } from '../core/audit.ts';

export { DEFAULT_RATE_LIMITS, type RateLimits } from '../core/audit.ts';
import { RateLimitedError } from '../core/errors.ts';
import type { App } from './app.ts';
import { requestCallerId } from './audit.ts';

/** The budget a request counts against, or null when it is not limited. */
function budgetOf(limits: RateLimits, request: FastifyRequest): RateClass | null {
  const budget = rateClassOf(request.method, request.routeOptions.url);
  return budget !== null && limits[budget] > 0 ? budget : null;
}

/** Registers the limiter; call before the routes (it attaches itself to each as it is added). */
export async function registerRateLimits(app: App, limits: RateLimits): Promise<void> {
  await app.register(fastifyRateLimit, {
    global: true,
    hook: 'onRequest',
    timeWindow: limits.windowMs,
    allowList: (request) => budgetOf(limits, request) === null,
    keyGenerator: (request) => `${rateClassOf(request.method, request.routeOptions.url)}:${requestCallerId(request) ?? `ip:${request.ip}`}`,
    max: (request) => {
      const budget = budgetOf(limits, request);
      return budget === null ? Number.MAX_SAFE_INTEGER : limits[budget];
    },
    errorResponseBuilder: (request, context) => {
      const budget = budgetOf(limits, request) ?? 'read';
      return new RateLimitedError(budget, context.max, Math.round(limits.windowMs / 1000), Math.max(1, Math.ceil(context.ttl / 1000)));
    },
  });
}
