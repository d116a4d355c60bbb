/** API keys of the serving endpoints (`/api/v1/keys`; core/api-keys.ts). */
import { z } from 'zod';
import { nameSchema } from '../names.ts';
import type { Wire } from './wire.ts';

export const apiKeyInputSchema = z.strictObject({
  // Printed by `key ls` and the dashboard: no control characters or bidirectional overrides.
  name: nameSchema({ noPathSeparators: true }).describe('what the key is for ("mobile app")'),
  target: nameSchema({ noPathSeparators: true }).nullable().optional().describe('the deploy target it works on; absent or null: every target'),
});

export const apiKeySchema = z
  .object({
    id: z.string().describe('16 hex digits'),
    name: z.string(),
    target: z.string().nullable().describe('null: every target'),
    createdAt: z.number().describe('epoch ms'),
    revokedAt: z.number().nullable().describe('epoch ms; null while in force'),
    createdBy: z.string(),
  })
  .meta({ id: 'ApiKey', description: 'An API key as listed: never its secret' });

export const issuedApiKeySchema = apiKeySchema
  .extend({ key: z.string().describe('tyk_<id>_<secret>: in this answer only') })
  .meta({ id: 'IssuedApiKey' });

export const apiKeyListSchema = z.object({ keys: z.array(apiKeySchema).describe('oldest first, revoked ones too') });

export type ApiKeyInput = z.input<typeof apiKeyInputSchema>;
export type ApiKeyInfo = Wire<typeof apiKeySchema>;
export type IssuedServingKey = Wire<typeof issuedApiKeySchema>;
