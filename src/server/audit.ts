/**
 * The audit log's writer (docs/audit.md): after each response, one entry per audited request
 * (core/audit.ts `isAudited`): who (`request.callerId` and the token's name), what (method,
 * route pattern, the route's params, the status answered), when, from where (`request.ip`,
 * which honours `trustProxy` only where the server was told to trust a proxy).
 *
 * The write happens in an `onResponse` hook, so it can neither delay nor fail the request; a
 * failed write is told to the server log. Entries older than the retention are deleted at
 * start and every hour.
 */
import type { FastifyRequest } from 'fastify';
import { auditCutoff, auditParams, DEFAULT_AUDIT_RETENTION_DAYS, isAudited, type NewAuditEntry } from '../core/audit.ts';
import type { AuditStore, TokenStore } from '../store/store.ts';
import type { App } from './app.ts';
import { callerName } from './auth.ts';

/** How often old entries are deleted. Default: hourly (a delete of a day's rows is cheap). */
const PRUNE_EVERY_MS = 3_600_000;

export interface AuditOptions {
  readonly store: AuditStore & Pick<TokenStore, 'listTokens'>;
  readonly now: () => number;
  /** Told when an entry could not be written. Default: nothing. */
  readonly log?: (line: string) => void;
  /** Days of entries kept. Default: DEFAULT_AUDIT_RETENTION_DAYS (90). */
  readonly retentionDays?: number;
}

/**
 * The caller of an authenticated request: `request.callerId`, set by authentication (a token's
 * id, or `session:<id>`). Null for a request that was not authenticated.
 */
export function requestCallerId(request: FastifyRequest): string | null {
  return request.callerId ?? null;
}


/** The entry of a finished request, or null when it is not audited. */
export async function auditEntryOf(store: AuditOptions['store'], request: FastifyRequest, status: number, at: number): Promise<NewAuditEntry | null> {
  const route = request.routeOptions.url;
  if (!isAudited(request.method, route, status)) return null;
  const callerId = requestCallerId(request);
  return {
    at,
    callerId,
    callerName: await callerName(store, request),
    method: request.method,
    route: route!,
    params: auditParams(request.params),
    status,
    ip: request.ip,
    requestId: request.id,
  };
}

/** Adds the audit hook and the retention sweep to `app`; both end with it. */
export function registerAudit(app: App, options: AuditOptions): void {
  const { store, now } = options;
  const log = options.log ?? (() => {});
  const retentionDays = options.retentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS;
  const writes = new Set<Promise<void>>();

  app.addHook('onResponse', async (request, reply) => {
    const write = (async () => {
      const entry = await auditEntryOf(store, request, reply.statusCode, now());
      if (entry) await store.recordAuditEntry(entry);
    })().catch((error: unknown) => {
      log(`audit: could not record ${request.method} ${request.routeOptions.url ?? request.url} (request ${request.id}): ${String((error as Error)?.message ?? error)}`);
    });
    writes.add(write);
    void write.finally(() => writes.delete(write));
  });

  const prune = () => {
    store.pruneAuditEntries(auditCutoff(now(), retentionDays)).catch((error: unknown) => {
      log(`audit: could not delete entries older than ${retentionDays} days: ${String((error as Error)?.message ?? error)}`);
    });
  };
  let timer: NodeJS.Timeout | null = null;
  app.addHook('onReady', async () => {
    prune();
    timer = setInterval(prune, PRUNE_EVERY_MS);
    timer.unref();
  });
  // Entries of the last responses are written before the store closes.
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    await Promise.all(writes);
  });
}
