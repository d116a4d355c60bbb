/**
 * The audit log's and the rate limiter's policy (docs/audit.md), pure: which requests are
 * audited, which budget a request counts against, the ids a request's params carry, and the
 * retention cut-off. The server applies them (server/audit.ts, server/rate-limit.ts).
 *
 * Terms:
 * - *state-changing*: POST, PUT, PATCH or DELETE under `/api/`.
 * - *run reporting* (ingest): a run's own routes, `POST /api/v1/runs/:runId/…` (metric batches,
 *   heartbeats, checkpoint registrations, artifact uploads).
 * - *control*: every other state-changing request (submit, stop, promote, deploy, tokens…).
 */

/** One audited request, as stored and served. */
export interface AuditEntry {
  readonly id: number;
  /** When the response was sent (epoch ms). */
  readonly at: number;
  /** The token id (16 hex) or `session:<id>`; null when the request was not authenticated. */
  readonly callerId: string | null;
  /** The token's name with its id, or its role ("ci (token 0123…)"); "unknown" when unauthenticated. */
  readonly callerName: string;
  readonly method: string;
  /** The route pattern (`/api/v1/jobs/:id/stop`), never the URL: no query string is kept. */
  readonly route: string;
  /** The route's params (`{id: "12"}`), each cut to 100 characters. */
  readonly params: Readonly<Record<string, string>>;
  /** The status code answered. */
  readonly status: number;
  /** The client's address (the proxy's, unless the server trusts it: `--trust-proxy`). */
  readonly ip: string;
  /** The request id (`requestId` of a 5xx answer, the server log's key). */
  readonly requestId: string;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

/** Which entries to list, newest first. Every filter is optional. */
export interface AuditQuery {
  readonly callerId?: string;
  /** At or after (epoch ms). */
  readonly since?: number;
  /** Before (epoch ms). */
  readonly until?: number;
  readonly method?: string;
  /** The exact route pattern. */
  readonly route?: string;
  /** Status at or above (`400`: only refusals and failures). */
  readonly minStatus?: number;
  /** Only entries with an id below this one (the cursor of the page before). */
  readonly before?: number;
  /** Default: 100. */
  readonly limit?: number;
}

/** Which budget a request counts against (docs/audit.md "Rate limits"). */
export type RateClass = 'ingest' | 'control' | 'read';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A run's reporting routes, by pattern. */
const RUN_ROUTE = /^\/api\/v1\/runs\/:runId\//;

/**
 * Run reporting routes sent many times a minute by every run: not audited when they succeed
 * (or are rate limited). Metric batches are idempotent by batch id and their points are the
 * record; a heartbeat changes nothing durable. Refusals (401, 403, 400…) are audited.
 */
const HIGH_RATE = new Set(['/api/v1/runs/:runId/metrics', '/api/v1/runs/:runId/status']);

/** Whether a request is state-changing: POST, PUT, PATCH or DELETE of a route under `/api/`. */
export function isStateChanging(method: string, route: string): boolean {
  return STATE_CHANGING.has(method) && route.startsWith('/api/');
}

/**
 * Whether a finished request goes into the audit log: every state-changing request that matched
 * a route, except the high-rate run reporting ones that succeeded or were rate limited.
 */
export function isAudited(method: string, route: string | undefined, status: number): boolean {
  if (route === undefined || !isStateChanging(method, route)) return false;
  if (HIGH_RATE.has(route) && (status < 400 || status === 429)) return false;
  return true;
}

/** The budget a request counts against, or null for routes outside `/api/` (never limited). */
export function rateClassOf(method: string, route: string | undefined): RateClass | null {
  if (route === undefined || !route.startsWith('/api/')) return null;
  if (!STATE_CHANGING.has(method)) return 'read';
  return RUN_ROUTE.test(route) ? 'ingest' : 'control';
}

/** Requests per window of each budget; 0 turns a budget off. */
export interface RateLimits {
  /**
   * A run's reporting (metric batches, heartbeats, checkpoints, artifacts), per run token.
   * Default: 6000 a minute: an SDK sends a batch about every second and a heartbeat every few,
   * so a run uses under 100; the rest is headroom for a catch-up after an outage (the spool).
   */
  readonly ingest: number;
  /**
   * Submits, stops, promotes, deploys and every other change, per token. Default: 1200 a
   * minute (20 a second): more than scripts that submit a sweep in a loop need; a runaway
   * loop is slowed.
   */
  readonly control: number;
  /** Reads (GET), per token. Default: 0, unlimited (the dashboard polls and streams). */
  readonly read: number;
  /** The window every budget counts in, in ms. Default: 60,000 (a minute). */
  readonly windowMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = Object.freeze({ ingest: 6000, control: 1200, read: 0, windowMs: 60_000 });

/** The longest param value kept. */
const MAX_PARAM = 100;

/** A route's params as the audit log keeps them: strings, each cut to 100 characters. */
export function auditParams(params: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (params === null || typeof params !== 'object') return out;
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    const text = String(value);
    out[key] = text.length > MAX_PARAM ? `${text.slice(0, MAX_PARAM)}…` : text;
  }
  return out;
}

/** Days of audit entries kept by default: 90 (a quarter, long enough for most reviews). */
export const DEFAULT_AUDIT_RETENTION_DAYS = 90;

const DAY_MS = 86_400_000;

/** Entries before this time (epoch ms) are deleted. */
export function auditCutoff(now: number, retentionDays: number): number {
  return now - retentionDays * DAY_MS;
}
