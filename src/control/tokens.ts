/**
 * Tokens: `ty_<id>_<secret>`. The store keeps the id and the sha256 of the secret; a request's
 * secret is hashed and compared in constant time (server/auth.ts). Secrets are 256 random bits,
 * so a plain hash (no slow KDF) is the right tool.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { TokenScope } from '../core/types.ts';
import type { TokenStore } from '../store/store.ts';

export interface MintedToken {
  readonly id: string;
  /** What the holder presents: `ty_<id>_<secret>`. Shown once, never stored. */
  readonly token: string;
  readonly secretHash: Buffer;
}

/** A fresh token id and secret; nothing is stored (the caller stores id and hash). */
export function mintToken(): MintedToken {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `ty_${id}_${secret}`, secretHash: hashSecret(secret) };
}

/**
 * Makes and stores a token for `scope`. `details.name` (default: none) is shown when tokens are
 * listed; `details.expiresAt` (epoch ms, default: never) is when it stops working.
 */
export async function issueToken(
  store: Pick<TokenStore, 'createToken'>,
  scope: TokenScope,
  now: number,
  details: { readonly name?: string | null; readonly expiresAt?: number | null } = {},
): Promise<{ id: string; token: string }> {
  const minted = mintToken();
  await store.createToken(minted.id, minted.secretHash, scope, now, details);
  return { id: minted.id, token: minted.token };
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}
