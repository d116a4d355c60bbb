/**
 * API keys for the serving endpoints (core/api-keys.ts): `tyk_<id>_<secret>`, 256 random bits
 * of secret, of which the store keeps the sha256 only. Made and revoked by admins
 * (`trainyard key`); the key file the serving processes read follows by the event log
 * (keys-file.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { API_KEY_PREFIX, type ApiKey } from '../core/api-keys.ts';
import type { ApiKeyStore } from '../store/store.ts';

export interface IssuedApiKey {
  readonly apiKey: ApiKey;
  /** What its holder sends as `Authorization: Bearer …`. Shown once, never stored. */
  readonly key: string;
}

/** Makes and stores a key; `target` null: it works on every target. */
export async function issueApiKey(
  store: Pick<ApiKeyStore, 'createApiKey'>,
  request: { readonly name: string; readonly target: string | null; readonly by: string },
  now: number,
): Promise<IssuedApiKey> {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const apiKey = await store.createApiKey({ id, name: request.name, target: request.target, createdBy: request.by, hash: hashApiKeySecret(secret) }, now);
  return { apiKey, key: `${API_KEY_PREFIX}${id}_${secret}` };
}

/** sha256 of a key's secret, hex: what the store and the key file hold. */
export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
