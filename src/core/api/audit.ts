/**
 * The audit log as the API sends it (`GET /api/v1/audit`, docs/audit.md): a page of entries,
 * newest first, and the query that selects them.
 */
import { z } from 'zod';
import { epochMs } from './wire.ts';

export const auditEntrySchema = z
  .object({
    id: z.number().int(),
    at: epochMs.describe('when the response was sent'),
    callerId: z.string().nullable().describe('the token id, or session:<id> for a dashboard session; null when the request was not authenticated'),
    callerName: z.string().describe('the token\'s name with its id ("ci (token 0123456789abcdef)"), or its role; "unknown" when unauthenticated'),
    method: z.string(),
    route: z.string().describe('the route pattern ("/api/v1/jobs/:id/stop"); no query string is kept'),
    params: z.record(z.string(), z.string()).describe('the route\'s params ({"id": "12"}), each cut to 100 characters'),
    status: z.number().int().describe('the status answered'),
    ip: z.string().describe('the client\'s address; behind a proxy, the proxy\'s unless the server trusts it (--trust-proxy)'),
    requestId: z.string().describe('the request id (a 5xx answer\'s requestId; the key of server.log)'),
  })
  .meta({ id: 'AuditEntry', description: 'One state-changing request: who, what, when, from where' });

export const auditPageSchema = z
  .object({
    entries: z.array(auditEntrySchema).describe('newest first'),
    nextCursor: z.number().int().nullable().describe('pass as `before` for the next (older) page; null when this page is the last'),
  })
  .meta({ id: 'AuditPage' });

export const auditQuerySchema = z.object({
  caller: z.string().min(1).max(200).optional().describe('only this caller: a token id, or session:<id>'),
  since: z.coerce.number().int().min(0).optional().describe('only entries at or after this time (epoch ms)'),
  until: z.coerce.number().int().min(0).optional().describe('only entries before this time (epoch ms)'),
  method: z.enum(['POST', 'PUT', 'PATCH', 'DELETE']).optional().describe('only this method'),
  route: z.string().min(1).max(300).optional().describe('only this route pattern, as entries show it ("/api/v1/jobs/:id/stop")'),
  status: z.coerce.number().int().min(100).max(599).optional().describe('only entries whose status is at or above this (400: refusals and failures)'),
  before: z.coerce.number().int().min(1).optional().describe('the cursor: only entries with a smaller id (nextCursor of the page before)'),
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('page size'),
});

export type ApiAuditEntry = z.output<typeof auditEntrySchema>;
export type ApiAuditPage = z.output<typeof auditPageSchema>;
export type AuditQueryParams = z.input<typeof auditQuerySchema>;
