/**
 * A typed client of `GET /api/v1/audit` (docs/audit.md, docs/http-api.md "Audit"), on the same
 * transport as `client.ts` (so the same errors: `ApiError`, `ApiConnectionError`).
 */
import type { ApiAuditPage, AuditQueryParams } from '../core/api/audit.ts';
import { createTransport, type ClientOptions } from './client.ts';

export type { ApiAuditEntry, ApiAuditPage, AuditQueryParams } from '../core/api/audit.ts';

export type AuditClient = ReturnType<typeof createAuditClient>;

export function createAuditClient(options: ClientOptions) {
  const { url, json } = createTransport(options);
  return {
    url,
    /** A page of audit entries, newest first (admin only); pass `nextCursor` as `before` for the next. */
    list: (query: AuditQueryParams = {}) =>
      json<ApiAuditPage>('GET', '/api/v1/audit', { query: query as Record<string, string | number | undefined> }),
  };
}
