/**
 * Tokens for people and tools (docs/tokens.md): an admin makes admin, submit, deploy or read
 * tokens, optionally expiring, lists them without their secrets, and revokes them. `whoami`
 * tells any token holder its role (the dashboard hides actions a read token may not take).
 */
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.ts';
import { AUTH, BODY, errorResponses } from '../../core/api/errors.ts';
import { issuedTokenSchema, tokenInputSchema, tokenListSchema, whoamiSchema } from '../../core/api/tokens.ts';
import type { App, AppDeps } from '../app.ts';
import { issueToken } from '../../control/tokens.ts';

const tokenIdParams = z.object({ id: z.string().regex(/^[0-9a-f]{16}$/, 'a token id is 16 hex digits') });

export function registerTokenRoutes(app: App, deps: AppDeps): void {
  const { store } = deps;
  const admin = () => ({ kind: 'admin' }) as const;

  app.get('/api/v1/whoami', {
    config: {
      // Any valid token may ask who it is, run tokens included.
      access: (r) => (r.scope?.role === 'run' && r.scope.runId !== null ? { kind: 'run', runId: r.scope.runId } : { kind: 'read' }),
    },
    schema: { summary: "The caller's role, and for a run token its job and run", response: { 200: whoamiSchema, ...errorResponses({ 401: true }) } },
  }, async (request) => {
    const scope = request.scope!;
    return { role: scope.role, jobId: scope.jobId, runId: scope.runId };
  });

  app.post('/api/v1/tokens', {
    config: { access: admin },
    schema: {
      summary: 'Make an admin, submit, deploy or read token, optionally expiring; the token is in this answer only',
      body: tokenInputSchema,
      response: { 201: issuedTokenSchema, ...errorResponses({ ...BODY, ...AUTH }) },
    },
  }, async (request, reply) => {
    const { role, name, expiresAt } = request.body;
    const now = deps.now();
    if (expiresAt !== undefined && expiresAt <= now) {
      throw new ValidationError(`must be a time in the future, got ${new Date(expiresAt).toISOString()} (now is ${new Date(now).toISOString()})`, 'expiresAt');
    }
    const issued = await issueToken(store, { role, runId: null, jobId: null }, now, { name: name ?? null, expiresAt: expiresAt ?? null });
    return reply.status(201).send({ id: issued.id, token: issued.token, role, name: name ?? null, expiresAt: expiresAt ?? null });
  });

  app.get('/api/v1/tokens', {
    config: { access: admin },
    schema: { summary: 'Admin, submit, deploy and read tokens, oldest first, with expiry and last use, without secrets', response: { 200: tokenListSchema, ...errorResponses(AUTH) } },
  }, async () => ({ tokens: await store.listTokens() }));

  app.delete('/api/v1/tokens/:id', {
    config: { access: admin },
    schema: {
      summary: 'Revoke a token (not the one making this request)',
      params: tokenIdParams,
      response: {
        204: z.undefined().describe('revoked'),
        ...errorResponses({ 400: true, ...AUTH, 404: 'no token with this id', 409: 'the token making this request' }),
      },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    if (request.callerId === id) {
      throw new ConflictError('a token cannot revoke itself: use another admin token');
    }
    if (!(await store.deleteToken(id))) throw new NotFoundError('token', id);
    return reply.status(204).send();
  });
}
