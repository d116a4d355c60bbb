/** Zod schemas shared by the routes: path parameters and query strings. */
import { z } from 'zod';

export const jobIdParams = z.object({ id: z.coerce.number().int().positive() });
export const runIdParams = z.object({ runId: z.coerce.number().int().positive() });

export const csv = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));
