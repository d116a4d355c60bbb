/**
 * Dashboard sign-in over HTTP (docs/dashboard.md): an admin makes a one-time code (of the admin
 * or read role); the dashboard's /sign-in page exchanges it for a session cookie (and the CSRF token
 * its writes carry); the session is read back and ended. Bearer tokens never touch these,
 * except to make codes.
 */
import { z } from 'zod';
import { exchangeSignInCode, issueSignInCode, parseSessionCookie } from '../../control/sign-in.ts';
import { UnauthorizedError } from '../../core/errors.ts';
import { AUTH, BODY, errorResponses } from '../../core/api/errors.ts';
import { sessionInputSchema, sessionSchema, signInCodeInputSchema, signInCodeSchema } from '../../core/api/session.ts';
import type { SignInPolicy } from '../../core/sign-in.ts';
import type { App, AppDeps } from '../app.ts';
import { clearSessionCookie, csrfTokenFor, SESSION_COOKIE, setSessionCookie, type CookieOptions, type SessionAuth } from '../session.ts';

export interface SessionRouteDeps {
  readonly sessions: SessionAuth;
  readonly policy: SignInPolicy;
  readonly cookies: CookieOptions;
}

export function registerSessionRoutes(app: App, deps: AppDeps, session: SessionRouteDeps): void {
  const { store, now } = deps;
  const { sessions, policy, cookies } = session;

  app.post('/api/v1/sign-in-codes', {
    // Admin only: a read token changes nothing, a new session included.
    config: { access: () => ({ kind: 'admin' }) },
    schema: {
      summary: 'Make a one-time dashboard sign-in code (what `trainyard sign-in` prints as a link)',
      body: signInCodeInputSchema,
      response: { 201: signInCodeSchema, ...errorResponses({ ...BODY, ...AUTH }) },
    },
  }, async (request, reply) => {
    const role = request.body.role ?? 'admin';
    const ttlMs = request.body.ttlSeconds === undefined ? policy.codeTtlMs : request.body.ttlSeconds * 1000;
    const issued = await issueSignInCode(store, role, now(), ttlMs);
    return reply.status(201).send({ ...issued, path: `/sign-in#code=${issued.code}` });
  });

  app.post('/api/session', {
    schema: {
      summary: 'Exchange a sign-in code for a dashboard session: sets the HttpOnly session cookie, answers the CSRF token',
      security: [],
      body: sessionInputSchema,
      response: { 200: sessionSchema, ...errorResponses({ ...BODY, 401: 'the code is unknown, used already or expired (the message says which)' }) },
    },
  }, async (request, reply) => {
    const started = await exchangeSignInCode(store, request.body.code, now(), policy);
    setSessionCookie(reply, request, started.cookieValue, started.expiresAt, cookies);
    const secret = parseSessionCookie(started.cookieValue)!.secret;
    return { role: started.role, expiresAt: started.expiresAt, csrfToken: csrfTokenFor(secret) };
  });

  app.get('/api/session', {
    schema: {
      summary: "The dashboard session of this request's cookie: its role, end and CSRF token",
      security: [],
      response: { 200: sessionSchema, ...errorResponses({ 401: 'no session cookie, or its session has ended' }) },
    },
  }, async (request) => {
    const found = await sessions.authenticate(request);
    if (!found) throw new UnauthorizedError(`no ${SESSION_COOKIE} cookie: sign in at /sign-in with a code from \`trainyard sign-in\``);
    return { role: found.session.role, expiresAt: found.session.expiresAt, csrfToken: found.csrfToken };
  });

  app.delete('/api/session', {
    schema: {
      summary: 'Sign out: ends the session of the cookie (with X-CSRF-Token) and clears the cookie',
      security: [],
      response: {
        204: z.undefined().describe('signed out (also when the cookie\'s session had ended already)'),
        ...errorResponses({ 401: 'no session cookie: nothing to sign out', 403: 'the X-CSRF-Token header is missing or wrong' }),
      },
    },
  }, async (request, reply) => {
    if (!request.cookies[SESSION_COOKIE]) throw new UnauthorizedError(`no ${SESSION_COOKIE} cookie: nothing to sign out`);
    let found = null;
    try {
      found = await sessions.authenticate(request);
    } catch (error) {
      // A session that ended already leaves only its cookie to clear; a CSRF refusal stands.
      if (!(error instanceof UnauthorizedError)) throw error;
    }
    if (found) await store.deleteSession(found.session.id);
    clearSessionCookie(reply, request, cookies);
    return reply.status(204).send();
  });
}
