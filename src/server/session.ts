/**
 * Dashboard sessions on the server side: the session cookie, authenticating a request by it,
 * and CSRF protection of the requests it authenticates. Codes and sessions are made in
 * control/sign-in.ts; the policy (lifetimes) is core/sign-in.ts.
 *
 * Pipeline of a request with no Authorization header (app.ts's onRequest hook):
 * cookie → parse `<id>.<secret>` → the stored session, its secret's hash compared in constant
 * time → still live (sessionEnd) → a state-changing method must carry `X-CSRF-Token` equal to
 * the session's CSRF token → `request.scope` and `request.callerId = session:<id>`; the last
 * use is written back at most once a minute. A request with a bearer token never looks at the
 * cookie, and a request with neither falls through to the bearer check (its 401).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashHex, parseSessionCookie } from '../control/sign-in.ts';
import { ForbiddenError, UnauthorizedError } from '../core/errors.ts';
import { sessionEnd, shouldTouch, type SignInPolicy } from '../core/sign-in.ts';
import type { SignInStore, StoredSession } from '../store/sign-in-store.ts';

/** The session cookie's name. */
export const SESSION_COOKIE = 'trainyard_session';
/** The header a cookie-authenticated POST/PUT/PATCH/DELETE must carry. */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The CSRF token of a session: derived from its secret (sha256 with a label), so it needs no
 * storage and no page of another site can compute it (it cannot read the HttpOnly cookie).
 * Handed to the dashboard by `POST /api/session` and `GET /api/session`.
 */
export function csrfTokenFor(secret: string): string {
  return createHash('sha256').update(`trainyard csrf\0${secret}`).digest('base64url');
}

export interface SessionAuthOptions {
  readonly store: Pick<SignInStore, 'findSession' | 'touchSession'>;
  readonly now: () => number;
  readonly policy: Pick<SignInPolicy, 'sessionIdleMs'>;
}

export interface AuthenticatedSession {
  readonly session: StoredSession;
  readonly csrfToken: string;
}

export interface SessionAuth {
  /**
   * Authenticates `request` by its session cookie: sets `request.scope` and `request.callerId`
   * and returns the session; null when the request has no session cookie (the caller then asks
   * for a bearer token). Rejects with UnauthorizedError for a cookie that names no live session,
   * ForbiddenError for a state-changing request without the right `X-CSRF-Token`.
   */
  authenticate(request: FastifyRequest): Promise<AuthenticatedSession | null>;
}

export function createSessionAuth(options: SessionAuthOptions): SessionAuth {
  const { store, now, policy } = options;
  return {
    async authenticate(request) {
      const raw = request.cookies[SESSION_COOKIE];
      if (raw === undefined || raw === '') return null;
      const parsed = parseSessionCookie(raw);
      if (!parsed) throw new UnauthorizedError(`malformed ${SESSION_COOKIE} cookie: sign in again`);
      const session = await store.findSession(parsed.id);
      const presented = Buffer.from(hashHex(parsed.secret), 'hex');
      const expected = session ? Buffer.from(session.secretHash, 'hex') : Buffer.alloc(presented.length);
      if (!session || !timingSafeEqual(presented, expected)) throw new UnauthorizedError('this dashboard session has ended (signed out or unknown): sign in again');
      const at = now();
      const end = sessionEnd(session, at, policy);
      if (end === 'expired') throw new UnauthorizedError('this dashboard session has expired: sign in again with a new code from `trainyard sign-in`');
      if (end === 'idle') throw new UnauthorizedError('this dashboard session ended after being idle: sign in again with a new code from `trainyard sign-in`');
      const csrfToken = csrfTokenFor(parsed.secret);
      if (!SAFE_METHODS.has(request.method)) checkCsrf(request.headers[CSRF_HEADER], csrfToken);
      request.scope = { role: session.role, runId: null, jobId: null };
      request.callerId = `session:${session.id}`;
      if (shouldTouch(session, at)) await store.touchSession(session.id, at);
      return { session, csrfToken };
    },
  };
}

function checkCsrf(header: string | string[] | undefined, expected: string): void {
  const presented = Array.isArray(header) ? header[0] : header;
  if (presented === undefined || presented === '') {
    throw new ForbiddenError('missing X-CSRF-Token header: a request signed in by the dashboard session cookie that changes something must carry the token POST /api/session returned');
  }
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new ForbiddenError('X-CSRF-Token header does not match this session: reload the dashboard');
}

export interface CookieOptions {
  /** `--secure-cookies`: always mark the cookie Secure (behind a TLS proxy). Default: only over HTTPS. */
  readonly secureCookies?: boolean;
}

/** Sets the session cookie: HttpOnly, SameSite=Strict, Path=/, Secure over HTTPS, ending with the session. */
export function setSessionCookie(reply: FastifyReply, request: FastifyRequest, value: string, expiresAt: number, options: CookieOptions): void {
  reply.setCookie(SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: options.secureCookies === true || request.protocol === 'https',
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(reply: FastifyReply, request: FastifyRequest, options: CookieOptions): void {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/', secure: options.secureCookies === true || request.protocol === 'https' });
}
