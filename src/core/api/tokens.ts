/** Tokens for people and tools (`/api/v1/tokens`, `/api/v1/whoami`). */
import { z } from 'zod';
import { nameSchema } from '../names.ts';
import type { Wire } from './wire.ts';

export const whoamiSchema = z.object({
  role: z.enum(['admin', 'read', 'run']),
  jobId: z.number().int().nullable().describe('for a run token: its job'),
  runId: z.number().int().nullable().describe('for a run token: its run'),
});

export const tokenInputSchema = z.strictObject({
  role: z.enum(['read', 'admin']),
  // Printed by `token ls` and the dashboard, and may end up in file names: no control
  // characters, bidirectional overrides or path separators.
  name: nameSchema({ noPathSeparators: true }).optional().describe('what the token is for'),
});

export const issuedTokenSchema = z.object({
  id: z.string(),
  token: z.string().describe('the secret: in this answer only'),
  role: z.enum(['read', 'admin']),
  name: z.string().nullable(),
});

export const tokenInfoSchema = z
  .object({
    id: z.string(),
    role: z.enum(['admin', 'read', 'run']),
    name: z.string().nullable(),
    createdAt: z.number().describe('epoch ms'),
  })
  .meta({ id: 'TokenInfo', description: 'A token as listed: never its secret' });

export const tokenListSchema = z.object({ tokens: z.array(tokenInfoSchema).describe('oldest first') });

export type WhoAmI = Wire<typeof whoamiSchema>;
export type TokenInput = z.input<typeof tokenInputSchema>;
export type IssuedApiToken = Wire<typeof issuedTokenSchema>;
export type ApiTokenInfo = Wire<typeof tokenInfoSchema>;
