/** Zod schemas shared by the routes: path parameters and query strings. */
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

export const jobIdParams = z.object({ id: z.coerce.number().int().positive() });
export const runIdParams = z.object({ runId: z.coerce.number().int().positive() });

export const csv = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

/**
 * A route-level validator compiler that validates params and query with zod but leaves the
 * body to the handler, whose own parser is faster (metrics) or names fields better (job spec).
 * The body schema still documents the route in OpenAPI.
 */
export const bodyCheckedByHandler = (route: { httpPart?: string }) =>
  route.httpPart === 'body'
    ? (data: unknown) => ({ value: data })
    : validatorCompiler(route as unknown as Parameters<typeof validatorCompiler>[0]);
