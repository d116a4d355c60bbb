/**
 * Authentication (a bearer token's scope, compared in constant time) and authorization (what a
 * scope may do). Tokens are made in control/tokens.ts.
 */
import { timingSafeEqual } from 'node:crypto';
import { hashSecret } from '../control/tokens.ts';
import { ForbiddenError, UnauthorizedError } from '../core/errors.ts';
import type { TokenScope } from '../core/types.ts';
import type { TokenStore } from '../store/store.ts';

const TOKEN = /^ty_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** The scope of a bearer token, or UnauthorizedError. */
export async function authenticate(store: TokenStore, header: string | undefined): Promise<TokenScope> {
  if (!header) throw new UnauthorizedError('missing Authorization: Bearer <token> header');
  const match = TOKEN.exec(header.replace(/^Bearer\s+/i, '').trim());
  if (!match) throw new UnauthorizedError('malformed token');
  const found = await store.findToken(match[1]);
  const presented = hashSecret(match[2]);
  // Compare against a dummy when the id is unknown, so timing does not reveal which ids exist.
  const expected = found?.secretHash ?? Buffer.alloc(presented.length);
  if (!timingSafeEqual(presented, expected) || !found) throw new UnauthorizedError('unknown or revoked token');
  return found.scope;
}

/** What a route needs from the caller. */
export type Access =
  | { readonly kind: 'admin' }
  /** GET of anything: admin and read tokens. */
  | { readonly kind: 'read' }
  /**
   * A job's own routes: admin, read (GET only), or the run token of one of its runs; for
   * reading, also the run token of a job that waits on it (`after`).
   */
  | { readonly kind: 'job'; readonly jobId: number; readonly write: boolean }
  /** A run's reporting routes: admin or that run's token. */
  | { readonly kind: 'run'; readonly runId: number };

export function authorize(scope: TokenScope, access: Access): void {
  if (scope.role === 'admin') return;
  const ok =
    access.kind === 'read' ? scope.role === 'read'
    : access.kind === 'job' ? !access.write && (scope.role === 'read' || (scope.role === 'run' && runTokenReads(scope, access.jobId)))
    : access.kind === 'run' ? scope.role === 'run' && scope.runId === access.runId
    : false;
  if (!ok) throw new ForbiddenError(`a ${scope.role} token may not do this`);
}

/** A run token reads its own job and the job's upstream jobs. */
function runTokenReads(scope: TokenScope, jobId: number): boolean {
  return scope.jobId === jobId || (scope.upstreamJobIds?.includes(jobId) ?? false);
}

/**
 * Who a request comes from, for records such as the alias history: its token's name with the
 * token id ("ci (token 0123456789abcdef)"), or its role and id ("admin token 0123456789abcdef").
 */
export async function callerName(store: Pick<TokenStore, 'listTokens'>, authorization: string | undefined, scope: TokenScope | null): Promise<string> {
  const id = /^Bearer\s+ty_([0-9a-f]{16})_/i.exec(authorization ?? '')?.[1] ?? null;
  if (id === null) return scope?.role ?? 'unknown';
  const named = (await store.listTokens()).find((t) => t.id === id)?.name;
  return named ? `${named} (token ${id})` : `${scope?.role ?? 'a'} token ${id}`;
}
