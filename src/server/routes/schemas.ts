/**
 * Zod schemas shared by the routes (path parameters and query strings), the routes' validator
 * and serializer, and the type provider that types requests and answers from the schemas.
 * Response schemas live in `core/api/`, where the SDK's client reads its types from too.
 */
import type { FastifyTypeProvider } from 'fastify';
import { z } from 'zod';
import type { Wire } from '../../core/api/wire.ts';
import { ValidationError } from '../../core/errors.ts';
import { closestIssue, describeIssue, issueField } from '../../core/issue-message.ts';

/**
 * Types a route's request from its params/querystring/body schemas (their output) and its
 * answers from its response schemas (read-only, so that the domain's read-only records fit):
 * a handler returning anything else does not compile.
 */
export interface ApiTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends z.ZodType ? z.output<this['schema']> : unknown;
  serializer: this['schema'] extends z.ZodType ? Wire<this['schema']> : unknown;
}

/**
 * The routes' serializer: `JSON.stringify`, as without schemas. The response schemas document
 * (`/openapi.json`) and type (`ApiTypeProvider`) each answer, and test/openapi-client.test.ts
 * checks real answers against the document, but they are not run on every answer: zod's encode
 * took a 2,000-job list from 9 to 52 ms and a 100,000-bucket series from 28 to 92 ms, and it
 * would turn a NaN (which JSON writes as null) into a 500.
 */
export function serializerCompiler(): (data: unknown) => string {
  return (data) => JSON.stringify(data);
}

export const jobIdParams = z.object({ id: z.coerce.number().int().positive() });
export const runIdParams = z.object({ runId: z.coerce.number().int().positive() });

export const csv = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

/** A query parameter given as a comma list, repeated (`?tag=a&tag=b`), or both: one flat list. */
export const csvList = z.union([z.string(), z.array(z.string())])
  .transform((v) => (typeof v === 'string' ? [v] : v).flatMap((s) => s.split(',')).map((x) => x.trim()).filter(Boolean));

/**
 * The routes' validator compiler: zod, with the input reported, so that a refusal is a
 * `ValidationError` naming the field, what was expected and what came
 * ("querystring.limit: must be at most 10000, got the number 20000"). Body fields are named
 * bare ("resources.gpus"), other parts with their part ("params.id").
 */
export function validatorCompiler(route: { schema: unknown; httpPart?: string }) {
  const schema = route.schema as z.ZodType;
  const part = route.httpPart === 'body' || route.httpPart === undefined ? null : route.httpPart;
  return (data: unknown): { value: unknown } | { error: ValidationError } => {
    const result = schema.safeParse(data, { reportInput: true });
    if (result.success) return { value: result.data };
    const issue = closestIssue(result.error.issues[0]);
    const path = issueField(issue);
    const field = part === null ? path ?? 'body' : path === null ? part : `${part}.${path}`;
    return { error: new ValidationError(describeIssue(issue), field) };
  };
}

/**
 * A route-level validator compiler that validates params and query with zod but leaves the
 * body to the handler, whose own parser is faster (metrics) or names fields better (job spec).
 * The body schema still documents the route in OpenAPI.
 */
export const bodyCheckedByHandler = (route: { httpPart?: string }) =>
  route.httpPart === 'body'
    ? (data: unknown) => ({ value: data })
    : validatorCompiler(route as { schema: unknown; httpPart?: string });
