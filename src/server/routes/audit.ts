/**
 * `GET /api/v1/audit` (docs/audit.md): the audit log, newest first, filtered, a page at a time.
 * Admin tokens only: it names every caller and address.
 */
import { auditPageSchema, auditQuerySchema } from '../../core/api/audit.ts';
import { AUTH, errorResponses } from '../../core/api/errors.ts';
import type { App, AppDeps } from '../app.ts';

export function registerAuditRoutes(app: App, deps: AppDeps): void {
  app.get('/api/v1/audit', {
    config: { access: () => ({ kind: 'admin' }) as const },
    schema: {
      summary: 'The audit log: state-changing requests (who, what, when, from where), newest first (admin)',
      querystring: auditQuerySchema,
      response: { 200: auditPageSchema, ...errorResponses({ 400: 'a query that is not valid', ...AUTH }) },
    },
  }, async (request) => {
    const q = request.query;
    const entries = await deps.store.listAuditEntries({
      callerId: q.caller,
      since: q.since,
      until: q.until,
      method: q.method,
      route: q.route,
      minStatus: q.status,
      before: q.before,
      limit: q.limit,
    });
    return { entries, nextCursor: entries.length === q.limit ? entries[entries.length - 1].id : null };
  });
}
