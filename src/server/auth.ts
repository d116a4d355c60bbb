/**
 * Tokens: `ty_<id>_<secret>`. The store keeps the id and the sha256 of the secret; a request's
 * secret is hashed and compared in constant time. Secrets are 256 random bits, so a plain
 * hash (no slow KDF) is the right tool.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ForbiddenError, UnauthorizedError } from '../core/errors.ts';
import type { TokenScope } from '../core/types.ts';
import type { TokenStore } from '../store/store.ts';

const TOKEN = /^ty_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface IssuedToken {
  readonly id: string;
  readonly token: string;
}

/** Makes a token for `scope`; `name` (default: none) is shown when tokens are listed. */
export async function issueToken(store: TokenStore, scope: TokenScope, now: number, name: string | null = null): Promise<IssuedToken> {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await store.createToken(id, hashSecret(secret), scope, now, name);
  return { id, token: `ty_${id}_${secret}` };
}

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
  /** A job's own routes: admin, read (GET only), or the run token of one of its runs. */
  | { readonly kind: 'job'; readonly jobId: number; readonly write: boolean }
  /** A run's reporting routes: admin or that run's token. */
  | { readonly kind: 'run'; readonly runId: number };

export function authorize(scope: TokenScope, access: Access): void {
  if (scope.role === 'admin') return;
  const ok =
    access.kind === 'read' ? scope.role === 'read'
    : access.kind === 'job' ? (scope.role === 'read' && !access.write) || (scope.role === 'run' && scope.jobId === access.jobId && !access.write)
    : access.kind === 'run' ? scope.role === 'run' && scope.runId === access.runId
    : false;
  if (!ok) throw new ForbiddenError(`a ${scope.role} token may not do this`);
}

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}
