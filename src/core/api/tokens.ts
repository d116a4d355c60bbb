/** Tokens for people and tools (`/api/v1/tokens`, `/api/v1/whoami`); roles in docs/tokens.md. */
import { z } from 'zod';
import { nameSchema } from '../names.ts';
import { PERSON_TOKEN_ROLES, TOKEN_ROLES } from '../types.ts';
import { epochMs, type Wire } from './wire.ts';

export const whoamiSchema = z.object({
  role: z.enum(TOKEN_ROLES),
  jobId: z.number().int().nullable().describe('for a run token: its job'),
  runId: z.number().int().nullable().describe('for a run token: its run'),
});

export const tokenInputSchema = z.strictObject({
  role: z.enum(PERSON_TOKEN_ROLES).describe('admin: everything; submit: submit jobs and control its own; deploy: promote and deploy; read: look only'),
  // Printed by `token ls` and the dashboard, and may end up in file names: no control
  // characters, bidirectional overrides or path separators.
  name: nameSchema({ noPathSeparators: true }).optional().describe('what the token is for'),
  expiresAt: z.number().int().positive().max(8.64e15).optional().describe('epoch ms from which the token is refused (401); must be in the future. Default: never'),
});

export const issuedTokenSchema = z.object({
  id: z.string(),
  token: z.string().describe('the secret: in this answer only'),
  role: z.enum(PERSON_TOKEN_ROLES),
  name: z.string().nullable(),
  expiresAt: epochMs.nullable().describe('null: never'),
});

export const tokenInfoSchema = z
  .object({
    id: z.string(),
    role: z.enum(TOKEN_ROLES),
    name: z.string().nullable(),
    createdAt: epochMs,
    expiresAt: epochMs.nullable().describe('from when it is refused; null: never'),
    lastUsedAt: epochMs.nullable().describe('its last authenticated request, to within a minute; null: never used'),
  })
  .meta({ id: 'TokenInfo', description: 'A token as listed: never its secret' });

export const tokenListSchema = z.object({ tokens: z.array(tokenInfoSchema).describe('oldest first') });

export type WhoAmI = Wire<typeof whoamiSchema>;
export type TokenInput = z.input<typeof tokenInputSchema>;
export type IssuedApiToken = Wire<typeof issuedTokenSchema>;
export type ApiTokenInfo = Wire<typeof tokenInfoSchema>;
