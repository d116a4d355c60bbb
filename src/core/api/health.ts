/** `GET /health`: whether the server is up (no token needed). */
import { z } from 'zod';
import type { Wire } from './wire.ts';

export const healthSchema = z.object({ ok: z.literal(true), version: z.string() });

export type Health = Wire<typeof healthSchema>;
