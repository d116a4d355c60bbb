/**
 * Dashboard sign-in codes and sessions: minting their secrets and the two store verbs around
 * them. A code is 128 random bits, a session secret 256; like tokens (tokens.ts), only their
 * sha256 is stored, and a plain hash is the right tool for secrets this long.
 */
import { createHash, randomBytes } from 'node:crypto';
import { UnauthorizedError } from '../core/errors.ts';
import { codeRefusal, type SignInPolicy, type SignInRole } from '../core/sign-in.ts';
import type { SignInStore } from '../store/sign-in-store.ts';

/** A sign-in code as it travels: 22 base64url characters. */
export const SIGN_IN_CODE = /^[A-Za-z0-9_-]{22}$/;
/** A session cookie's value: `<16 hex id>.<43 base64url secret>`. */
const SESSION_COOKIE_VALUE = /^([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

export interface IssuedSignInCode {
  readonly code: string;
  readonly role: SignInRole;
  readonly expiresAt: number;
}

export interface StartedSession {
  readonly id: string;
  /** What the cookie holds: `<id>.<secret>`. Never stored. */
  readonly cookieValue: string;
  readonly role: SignInRole;
  /** Absolute end, epoch ms. */
  readonly expiresAt: number;
}

export function hashHex(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Makes and stores a one-time code for `role`, good for `ttlMs` from `now`. */
export async function issueSignInCode(store: Pick<SignInStore, 'createSignInCode'>, role: SignInRole, now: number, ttlMs: number): Promise<IssuedSignInCode> {
  const code = randomBytes(16).toString('base64url');
  const expiresAt = now + ttlMs;
  await store.createSignInCode({ codeHash: hashHex(code), role, expiresAt }, now);
  return { code, role, expiresAt };
}

/**
 * Exchanges a code for a new session (the code is spent in the same transaction). A code that
 * is unknown, used or expired rejects with UnauthorizedError saying which.
 */
export async function exchangeSignInCode(store: Pick<SignInStore, 'redeemSignInCode'>, code: string, now: number, policy: Pick<SignInPolicy, 'sessionMaxMs'>): Promise<StartedSession> {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = now + policy.sessionMaxMs;
  const result = await store.redeemSignInCode(hashHex(code), { id, secretHash: hashHex(secret), expiresAt }, now);
  if (!result.ok) throw new UnauthorizedError(codeRefusal(result.reason));
  return { id, cookieValue: `${id}.${secret}`, role: result.role, expiresAt };
}

/** A cookie value's id and secret, or null when it is not one of ours. */
export function parseSessionCookie(value: string | undefined): { id: string; secret: string } | null {
  const match = SESSION_COOKIE_VALUE.exec(value ?? '');
  return match ? { id: match[1], secret: match[2] } : null;
}
