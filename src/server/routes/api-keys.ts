/**
 * API keys of the serving endpoints (the `builtin` deploy target): an admin makes one (its
 * secret is in that answer only), lists them without secrets, and revokes one; the key file
 * the serving processes read follows within a second or two (control/keys-file.ts).
 */
import { z } from 'zod';
import { AUTH, BODY, errorResponses } from '../../core/api/errors.ts';
import { apiKeyInputSchema, apiKeyListSchema, apiKeySchema, issuedApiKeySchema } from '../../core/api/api-keys.ts';
import { issueApiKey } from '../../control/api-keys.ts';
import type { App, AppDeps } from '../app.ts';
import { callerName, type RequestCaller } from '../auth.ts';

const keyIdParams = z.object({ id: z.string().regex(/^[0-9a-f]{16}$/, 'an API key id is 16 hex digits (see `trainyard key ls`)') });

export function registerApiKeyRoutes(app: App, deps: AppDeps): void {
  const { store } = deps;
  const admin = () => ({ kind: 'admin' }) as const;
  const who = (request: RequestCaller) => callerName(store, request);

  app.post('/api/v1/keys', {
    config: { access: admin },
    schema: {
      summary: 'Make an API key for the serving endpoints (all, or one deploy target); the key is in this answer only',
      body: apiKeyInputSchema,
      response: { 201: issuedApiKeySchema, ...errorResponses({ ...BODY, ...AUTH }) },
    },
  }, async (request, reply) => {
    const issued = await issueApiKey(store, { name: request.body.name, target: request.body.target ?? null, by: await who(request) }, deps.now());
    return reply.status(201).send({ ...issued.apiKey, key: issued.key });
  });

  app.get('/api/v1/keys', {
    config: { access: admin },
    schema: { summary: 'API keys, oldest first, revoked ones too, without secrets', response: { 200: apiKeyListSchema, ...errorResponses(AUTH) } },
  }, async () => ({ keys: await store.listApiKeys() }));

  app.delete('/api/v1/keys/:id', {
    config: { access: admin },
    schema: {
      summary: 'Revoke an API key: the serving endpoints refuse it within a second or two (again: no change)',
      params: keyIdParams,
      response: { 200: apiKeySchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no API key with this id' }) },
    },
  }, async (request) => store.revokeApiKey(request.params.id, await who(request), deps.now()));
}
