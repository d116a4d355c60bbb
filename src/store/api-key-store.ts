/** API keys' part of the Store (see store.ts for the rules every verb keeps; core/api-keys.ts). */
import type { ApiKey } from '../core/api-keys.ts';

export interface NewApiKey {
  /** 16 hex digits, made by the caller with the secret. */
  readonly id: string;
  readonly name: string;
  /** sha256 of the secret, hex. */
  readonly hash: string;
  /** The deploy target it works on; null: every target. */
  readonly target: string | null;
  readonly createdBy: string;
}

/**
 * API keys for serving endpoints. The secret is never stored, only its hash. Each change appends
 * its `api_key.*` event in its transaction (the key file is rewritten from those events).
 */
export interface ApiKeyStore {
  /** Appends `api_key.created`. Throws ConflictError when the id is taken. */
  createApiKey(key: NewApiKey, now: number): Promise<ApiKey>;
  /** Every key, revoked ones too, oldest first. */
  listApiKeys(): Promise<ApiKey[]>;
  /**
   * Revokes a key and appends `api_key.revoked`; a key revoked already is returned as it is
   * (nothing written). Throws NotFoundError for an unknown id.
   */
  revokeApiKey(id: string, by: string, now: number): Promise<ApiKey>;
  /** The keys in force with their hashes: what the key file holds. */
  activeApiKeyHashes(): Promise<Array<ApiKey & { readonly hash: string }>>;
}
