/**
 * Dashboard sign-in's part of the Store (core/sign-in.ts has the policy): one-time codes and the
 * sessions they are exchanged for. Only sha256 hashes of the secrets are stored. No events: like
 * tokens, these are credentials, not domain state (the audit log records the requests).
 */
import type { SignInRole } from '../core/sign-in.ts';

export interface NewSignInCode {
  /** sha256 of the code, hex. */
  readonly codeHash: string;
  readonly role: SignInRole;
  /** epoch ms; the code is refused from then on. */
  readonly expiresAt: number;
}

export interface NewSession {
  /** 16 hex digits (the cookie's public part; `session:<id>` names the caller). */
  readonly id: string;
  /** sha256 of the session secret, hex. */
  readonly secretHash: string;
  /** Absolute end, epoch ms. */
  readonly expiresAt: number;
}

export interface StoredSession {
  readonly id: string;
  readonly secretHash: string;
  readonly role: SignInRole;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
}

/** What exchanging a code gave: the session's role, or why the code was refused. */
export type RedeemResult =
  | { readonly ok: true; readonly role: SignInRole }
  | { readonly ok: false; readonly reason: 'unknown' | 'used' | 'expired' };

export interface SignInStore {
  /**
   * Stores a code. Also deletes codes and sessions whose absolute end is past `now` (each
   * sign-in tidies up; nothing else grows these tables).
   */
  createSignInCode(code: NewSignInCode, now: number): Promise<void>;
  /**
   * Exchanges a code for a session in one transaction: the code is marked used (a second
   * exchange is refused with `used`, a late one with `expired`) and the session stored with the
   * code's role, `createdAt = lastSeenAt = now`.
   */
  redeemSignInCode(codeHash: string, session: NewSession, now: number): Promise<RedeemResult>;
  /** A session by id, or null (never existed or ended). */
  findSession(id: string): Promise<StoredSession | null>;
  /** Records a use of the session (its idle limit counts from here). */
  touchSession(id: string, now: number): Promise<void>;
  /** Ends a session; false when there was none with this id. */
  deleteSession(id: string): Promise<boolean>;
}
