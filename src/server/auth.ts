/**
 * Authentication (a bearer token's scope, compared in constant time, refused once it expired)
 * and authorization (what a role may do: docs/tokens.md). Tokens are made in control/tokens.ts.
 *
 * | access kind | who may                                                            |
 * |-------------|--------------------------------------------------------------------|
 * | admin       | admin                                                              |
 * | read        | admin, submit, deploy, read                                        |
 * | submit      | admin, submit                                                      |
 * | deploy      | admin, deploy                                                      |
 * | job (read)  | admin, submit, deploy, read; a run token of the job or of a job waiting on it |
 * | job (write) | admin; the submit token that submitted the job                     |
 * | run         | admin; that run's token                                            |
 */
import { timingSafeEqual } from 'node:crypto';
import { hashSecret } from '../control/tokens.ts';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../core/errors.ts';
import type { TokenRole, TokenScope } from '../core/types.ts';
import type { JobStore, TokenStore } from '../store/store.ts';

const TOKEN = /^ty_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A token's last use is written at most this often (one small write a minute per busy token). */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** Who an authenticated bearer token is. */
export interface Caller {
  readonly scope: TokenScope;
  /** The token's 16-hex id (`request.callerId`). */
  readonly tokenId: string;
}

/**
 * The caller a bearer token stands for, or UnauthorizedError: missing, malformed, unknown or
 * revoked, or expired ("token <id> expired at <iso>", said only to whoever holds its secret).
 * Records the token's last use, at most once a minute (run tokens: not at all, they are never listed).
 */
export async function authenticate(store: Pick<TokenStore, 'findToken' | 'touchToken'>, header: string | undefined, now: number): Promise<Caller> {
  if (!header) throw new UnauthorizedError('missing Authorization: Bearer <token> header');
  const match = TOKEN.exec(header.replace(/^Bearer\s+/i, '').trim());
  if (!match) throw new UnauthorizedError('malformed token');
  const [, id, secret] = match;
  const found = await store.findToken(id);
  const presented = hashSecret(secret);
  // Compare against a dummy when the id is unknown, so timing does not reveal which ids exist.
  const expected = found?.secretHash ?? Buffer.alloc(presented.length);
  if (!timingSafeEqual(presented, expected) || !found) throw new UnauthorizedError('unknown or revoked token');
  if (found.expiresAt !== null && now >= found.expiresAt) {
    throw new UnauthorizedError(`token ${id} expired at ${new Date(found.expiresAt).toISOString()}`);
  }
  if (found.scope.role !== 'run' && (found.lastUsedAt === null || now - found.lastUsedAt >= LAST_USED_RESOLUTION_MS)) {
    await store.touchToken(id, now, LAST_USED_RESOLUTION_MS);
  }
  return { scope: found.scope, tokenId: id };
}

/** What a route needs from the caller (the table above). */
export type Access =
  | { readonly kind: 'admin' }
  /** GET of anything. */
  | { readonly kind: 'read' }
  /** Submitting jobs. */
  | { readonly kind: 'submit' }
  /** Promoting model versions (versions, aliases) and deploying or rolling back. */
  | { readonly kind: 'deploy' }
  /**
   * A job's own routes. Reading: every role but run, or the run token of one of its runs or of
   * a job that waits on it (`after`). Writing (stop, pause, resume): admin, or the submit token
   * that submitted it.
   */
  | { readonly kind: 'job'; readonly jobId: number; readonly write: boolean }
  /** A run's reporting routes: admin or that run's token. */
  | { readonly kind: 'run'; readonly runId: number };

/** What `authorize` needs besides the scope. */
export interface AccessFacts {
  /** The calling token's id (`request.callerId`); null when unknown. */
  readonly callerId: string | null;
  /** For a job write by a submit token: the id of the token that submitted the job (`Job.createdByToken`). */
  readonly jobCreatedBy?: string | null;
}

/** The roles that may read everything. */
const READERS: readonly TokenRole[] = ['read', 'submit', 'deploy'];

/** Throws ForbiddenError, naming what the route needs, unless `scope` may have `access`. Pure. */
export function authorize(scope: TokenScope, access: Access, facts: AccessFacts = { callerId: null }): void {
  if (scope.role === 'admin') return;
  switch (access.kind) {
    case 'admin':
      return refuse(scope, 'an admin token');
    case 'read':
      return READERS.includes(scope.role) ? undefined : refuse(scope, 'an admin, submit, deploy or read token');
    case 'submit':
      return scope.role === 'submit' ? undefined : refuse(scope, 'an admin or submit token');
    case 'deploy':
      return scope.role === 'deploy' ? undefined : refuse(scope, 'an admin or deploy token');
    case 'run':
      return scope.role === 'run' && scope.runId === access.runId ? undefined : refuse(scope, `an admin token or the token of run ${access.runId}`);
    case 'job':
      if (!access.write) {
        const ok = READERS.includes(scope.role) || (scope.role === 'run' && runTokenReads(scope, access.jobId));
        return ok ? undefined : refuse(scope, `an admin, submit, deploy or read token, or a run token of job ${access.jobId}`);
      }
      if (scope.role !== 'submit') return refuse(scope, `an admin token, or the submit token that submitted job ${access.jobId}`);
      if (facts.callerId === null || facts.jobCreatedBy !== facts.callerId) {
        throw new ForbiddenError(`a submit token may change only the jobs it submitted: job ${access.jobId} was not submitted by token ${facts.callerId ?? '(unknown)'}`);
      }
  }
}

function refuse(scope: TokenScope, needs: string): never {
  throw new ForbiddenError(`a ${scope.role} token may not do this: it needs ${needs}`);
}

/** A run token reads its own job and the job's upstream jobs. */
function runTokenReads(scope: TokenScope, jobId: number): boolean {
  return scope.jobId === jobId || (scope.upstreamJobIds?.includes(jobId) ?? false);
}

/**
 * `authorize`, after reading the one fact it may need from the store: for a job write by a
 * submit token, who submitted the job (NotFoundError when there is no such job, as the route
 * would answer an admin).
 */
export async function authorizeRequest(store: Pick<JobStore, 'getJob'>, scope: TokenScope, callerId: string | null, access: Access): Promise<void> {
  if (access.kind === 'job' && access.write && scope.role === 'submit') {
    const job = await store.getJob(access.jobId);
    if (!job) throw new NotFoundError('job', access.jobId);
    return authorize(scope, access, { callerId, jobCreatedBy: job.createdByToken });
  }
  authorize(scope, access, { callerId });
}

/**
 * Who a request comes from, for records such as the alias history: its token's name with the
 * token id ("ci (token 0123456789abcdef)"), or its role and id ("admin token 0123456789abcdef").
 */
export async function callerName(store: Pick<TokenStore, 'listTokens'>, request: RequestCaller): Promise<string> {
  const id = request.callerId ?? null;
  if (id === null) return request.scope?.role ?? 'unknown';
  if (id.startsWith('session:')) return `dashboard session ${id.slice('session:'.length)} (${request.scope?.role ?? 'unknown'})`;
  const named = (await store.listTokens()).find((t) => t.id === id)?.name;
  return named ? `${named} (token ${id})` : `${request.scope?.role ?? 'a'} token ${id}`;
}

/** What `callerName` reads of a request: set by authentication (app.ts). */
export interface RequestCaller {
  readonly callerId?: string | null;
  readonly scope: TokenScope | null;
}
