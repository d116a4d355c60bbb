/**
 * A typed client of the API key routes (`/api/v1/keys`, docs/http-api.md "API keys"), on the
 * same transport as `client.ts` (the same errors: `ApiError`, `ApiConnectionError`).
 */
import type { ApiKeyInfo, ApiKeyInput, IssuedServingKey } from '../core/api/api-keys.ts';
import { createTransport, type ClientOptions } from './client.ts';

export type { ApiKeyInfo, ApiKeyInput, IssuedServingKey } from '../core/api/api-keys.ts';

export type ApiKeysClient = ReturnType<typeof createApiKeysClient>;

export function createApiKeysClient(options: ClientOptions) {
  const { url, json } = createTransport(options);
  return {
    url,
    /** Makes a key (admin only); the key (`tyk_…`) is in this answer only. */
    create: (input: ApiKeyInput) => json<IssuedServingKey>('POST', '/api/v1/keys', { body: input }),
    /** Every key, oldest first, revoked ones too; never their secrets (admin only). */
    list: async () => (await json<{ keys: ApiKeyInfo[] }>('GET', '/api/v1/keys')).keys,
    /** Revokes a key (admin only); revoking it again changes nothing. */
    revoke: (id: string) => json<ApiKeyInfo>('DELETE', `/api/v1/keys/${encodeURIComponent(id)}`),
  };
}
