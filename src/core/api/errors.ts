/**
 * The one error shape of every route, `{error: {code, message, field?, requestId?}}`
 * (`server/errors.ts` maps each typed error to it), and the error answers a route documents.
 */
import { z } from 'zod';

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().describe('stable, for programs: invalid_input, invalid_spec, invalid_json, not_found, conflict, unauthorized, …'),
      message: z.string().describe('for people: names the field, what was expected and what came'),
      field: z.string().optional().describe('the offending input as a dotted path ("resources.gpus"), when one is to blame'),
      requestId: z.string().optional().describe("on a 5xx: the request's entry in server.log in the server's data directory"),
    }),
  })
  .meta({ id: 'Error', description: 'Every error answer, whatever its status' });

export type ErrorBody = z.output<typeof errorSchema>;

/** The error statuses the server answers with. */
export const ERROR_STATUSES = [400, 401, 403, 404, 409, 413, 415, 429, 500] as const;
export type ErrorStatus = (typeof ERROR_STATUSES)[number];

/** What each status means on any route; a route may say it more precisely. */
export const ERROR_MEANINGS: Readonly<Record<ErrorStatus, string>> = {
  400: 'invalid input: the field, what was expected and what came',
  401: 'no token, or an unknown or revoked one',
  403: 'the token may not do this (a read token writing, a run token outside its run)',
  404: 'not found',
  409: 'the object is in a state that does not allow this',
  413: "the body is over the route's limit",
  415: 'the body was not sent as application/json',
  429: "the token spent its request budget (docs/audit.md); retry after the Retry-After header's seconds",
  500: 'the server failed; `requestId` names the entry in server.log',
};

export interface ErrorResponse {
  readonly description: string;
  readonly content: { readonly 'application/json': { readonly schema: typeof errorSchema } };
}

/**
 * The error answers of a route, for its `schema.response`: each status given (`true` for its
 * usual meaning, or a sentence for this route), plus 500, which any route may answer, and 429
 * for a route that needs a token (401 given): the rate limits (server/rate-limit.ts).
 */
export function errorResponses<T extends { readonly [K in ErrorStatus]?: true | string }>(
  statuses: T,
): Record<(keyof T & ErrorStatus) | 500, ErrorResponse> {
  const limited = (statuses as { readonly 401?: unknown })[401] !== undefined ? { 429: true as const } : {};
  const given: { readonly [K in ErrorStatus]?: true | string } = { ...statuses, ...limited, 500: true };
  const out: Partial<Record<ErrorStatus, ErrorResponse>> = {};
  for (const status of ERROR_STATUSES) {
    const meaning = given[status];
    if (meaning === undefined) continue;
    out[status] = {
      description: meaning === true ? ERROR_MEANINGS[status] : meaning,
      content: { 'application/json': { schema: errorSchema } },
    };
  }
  return out as Record<(keyof T & ErrorStatus) | 500, ErrorResponse>;
}

/** 401 and 403: a route that needs a token with some right. */
export const AUTH = { 401: true, 403: true } as const;

/** 400, 413 and 415: a route that reads a JSON body (bad JSON, too large, not sent as JSON). */
export const BODY = { 400: true, 413: true, 415: true } as const;
