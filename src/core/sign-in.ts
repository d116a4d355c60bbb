/**
 * Dashboard sign-in, the pure part: how long a sign-in code and a session live, and whether a
 * stored one is still good at `now`. No I/O; src/server/session.ts and the store apply it.
 *
 * Terms: a *sign-in code* is a one-time secret (`trainyard sign-in`, the link the server and the
 * demo print) that the dashboard exchanges once for a *session*: a secret held in an HttpOnly
 * cookie, with an idle limit (renewed as it is used) and an absolute one (never renewed).
 */

/** The roles a sign-in code (and so a session) may carry. */
export const SIGN_IN_ROLES = ['read', 'admin'] as const;
export type SignInRole = (typeof SIGN_IN_ROLES)[number];

/** Longest a code may be asked to live (`--ttl`): an hour; the default is DEFAULT_SIGN_IN_POLICY's. */
export const MAX_CODE_TTL_SECONDS = 3600;

export interface SignInPolicy {
  /** How long a code may wait to be exchanged. Default: 5 minutes (it travels by copy and paste). */
  readonly codeTtlMs: number;
  /** A session unused this long ends. Default: 12 hours (a working day, not overnight). */
  readonly sessionIdleMs: number;
  /** A session ends this long after sign-in however much it is used. Default: 7 days. */
  readonly sessionMaxMs: number;
}

export const DEFAULT_SIGN_IN_POLICY: SignInPolicy = Object.freeze({
  codeTtlMs: 5 * 60_000,
  sessionIdleMs: 12 * 3_600_000,
  sessionMaxMs: 7 * 24 * 3_600_000,
});

/**
 * How often a session's last use is written back: at most once a minute per session (a write
 * per request would double the writes of a busy dashboard); the idle limit is hours.
 */
export const SESSION_TOUCH_EVERY_MS = 60_000;

/** A stored session's times (epoch ms). */
export interface SessionTimes {
  readonly createdAt: number;
  readonly lastSeenAt: number;
  /** Absolute end: createdAt + sessionMaxMs, fixed at sign-in. */
  readonly expiresAt: number;
}

/** Why a session no longer counts, or null while it does. */
export type SessionEnd = 'expired' | 'idle' | null;

export function sessionEnd(session: SessionTimes, now: number, policy: Pick<SignInPolicy, 'sessionIdleMs'>): SessionEnd {
  if (now >= session.expiresAt) return 'expired';
  if (now - session.lastSeenAt >= policy.sessionIdleMs) return 'idle';
  return null;
}

/** Whether a request at `now` should write the session's last use back (SESSION_TOUCH_EVERY_MS). */
export function shouldTouch(session: Pick<SessionTimes, 'lastSeenAt'>, now: number): boolean {
  return now - session.lastSeenAt >= SESSION_TOUCH_EVERY_MS;
}

/** Why a code cannot be exchanged, in words a person reads on the sign-in page. */
export function codeRefusal(reason: 'unknown' | 'used' | 'expired'): string {
  switch (reason) {
    case 'used':
      return 'this sign-in code was used already (each works once): make a new one with `trainyard sign-in`';
    case 'expired':
      return 'this sign-in code has expired (a code lasts minutes): make a new one with `trainyard sign-in`';
    default:
      return 'unknown sign-in code: copy the whole link, or make a new one with `trainyard sign-in`';
  }
}
