/** Dashboard sign-in (`/api/session`, `/api/v1/sign-in-codes`; docs/dashboard.md). */
import { z } from 'zod';
import { MAX_CODE_TTL_SECONDS, SIGN_IN_ROLES } from '../sign-in.ts';
import type { Wire } from './wire.ts';

export const signInCodeInputSchema = z.strictObject({
  role: z.enum(SIGN_IN_ROLES).optional().describe("the session's role; default: admin"),
  ttlSeconds: z.number().int().min(1).max(MAX_CODE_TTL_SECONDS).optional().describe("how long the code may wait to be used; default: the server's (300)"),
});

export const signInCodeSchema = z.object({
  code: z.string().describe('one-time: exchange it with POST /api/session; in this answer only'),
  role: z.enum(SIGN_IN_ROLES),
  expiresAt: z.number().describe('epoch ms'),
  path: z.string().describe('the dashboard link, relative to the server: /sign-in#code=…'),
});

export const sessionInputSchema = z.strictObject({
  code: z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'a sign-in code is 22 characters of A-Z a-z 0-9 _ -').describe('from `trainyard sign-in`'),
});

export const sessionSchema = z.object({
  role: z.enum(SIGN_IN_ROLES),
  expiresAt: z.number().describe('epoch ms: the absolute end (an idle session ends sooner)'),
  csrfToken: z.string().describe('send it as X-CSRF-Token on every POST, PUT, PATCH and DELETE made with the session cookie'),
});

export type SignInCodeInput = z.input<typeof signInCodeInputSchema>;
export type IssuedSignInCodeAnswer = Wire<typeof signInCodeSchema>;
export type SessionInfo = Wire<typeof sessionSchema>;
