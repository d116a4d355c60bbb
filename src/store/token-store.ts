/** Tokens of people and tools (docs/tokens.md): stored as the sha256 of their secret. */
import type { TokenRole, TokenScope } from '../core/types.ts';

/** A person's token as listed: never its secret or hash. */
export interface TokenInfo {
  readonly id: string;
  readonly role: TokenRole;
  /** What the token is for ("ci", "dashboard wall"); null when none was given. */
  readonly name: string | null;
  readonly createdAt: number;
  /** Epoch ms from which the token is refused (401); null: it never expires. */
  readonly expiresAt: number | null;
  /** Epoch ms of its last authenticated request, to within a minute; null: never used. */
  readonly lastUsedAt: number | null;
}

/** What a stored token is, as authentication needs it. */
export interface StoredToken {
  readonly secretHash: Buffer;
  readonly scope: TokenScope;
  /** Null: never expires. */
  readonly expiresAt: number | null;
  readonly lastUsedAt: number | null;
}

export interface TokenStore {
  /**
   * Stores a token by id with the sha256 of its secret. `details.name` (default: null) is shown
   * when tokens are listed; `details.expiresAt` (default: null, never) is when it stops working.
   * ConflictError when the id is taken.
   */
  createToken(id: string, secretHash: Buffer, scope: TokenScope, now: number, details?: { readonly name?: string | null; readonly expiresAt?: number | null }): Promise<void>;
  /** The secret's hash, scope and times of a token id, or null. Callers compare in constant time. */
  findToken(id: string): Promise<StoredToken | null>;
  /**
   * Records that the token was used at `now`, unless its last use is under `minIntervalMs`
   * (default: 60,000) before: one write a minute per busy token, none per request. False when
   * nothing was written. Not a domain event: bookkeeping, like a file's atime.
   */
  touchToken(id: string, now: number, minIntervalMs?: number): Promise<boolean>;
  /** Admin, submit, deploy and read tokens, oldest first. Run tokens are not listed (they end with their run). */
  listTokens(): Promise<TokenInfo[]>;
  /** Deletes a token; false when no token had that id. */
  deleteToken(id: string): Promise<boolean>;
}
