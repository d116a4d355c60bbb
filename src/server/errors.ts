/**
 * The one place where errors become HTTP responses: `{error: {code, message, field?, requestId?}}`.
 * A 5xx is written to the server log under its request id, which the body carries.
 */
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { ErrorBody } from '../core/api/errors.ts';
import { diskFullCode, diskFullMessage } from '../core/disk-full.ts';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  TrainyardError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../core/errors.ts';
import { closestIssue, describeIssue, issueField } from '../core/issue-message.ts';
import { announcedLength, bodyTooLarge, discardBody, shouldDiscard } from './oversized-body.ts';
import type { ServerLog } from './server-log.ts';

/** The one error shape (its schema, `core/api/errors.ts`, documents every route's error answers). */
export type { ErrorBody };

const STATUS: ReadonlyArray<[new (...args: never[]) => TrainyardError, number]> = [
  [ValidationError, 400],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [PayloadTooLargeError, 413],
  [UnsupportedMediaTypeError, 415],
  [RateLimitedError, 429],
];

export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof TrainyardError) {
    const status = STATUS.find(([type]) => error instanceof type)?.[1] ?? 500;
    const field = error instanceof ValidationError && error.field ? { field: error.field } : {};
    return { status, body: { error: { code: error.code, message: error.message, ...field } } };
  }
  // A full disk (ENOSPC, SQLITE_FULL): 507, which clients (the SDKs) keep and send again.
  const full = diskFullCode(error);
  if (full) return { status: 507, body: { error: { code: 'disk_full', message: diskFullMessage(full) } } };
  const fastifyError = error as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fastifyError)) {
    // The library's own validator compiler (ours in routes/schemas.ts throws ValidationError).
    const item = fastifyError.validation[0];
    const issue = closestIssue({ ...item.params, code: item.keyword, message: item.message, path: item.instancePath.split('/').filter(Boolean) } as z.core.$ZodIssue);
    const where = fastifyError.validationContext ?? 'body';
    const path = issueField(issue);
    const field = path ? `${where === 'body' ? '' : `${where}.`}${path}` : where;
    return { status: 400, body: { error: { code: 'invalid_input', message: `${field}: ${describeIssue(issue)}`, field } } };
  }
  if (fastifyError.code === 'FST_ERR_BAD_URL' || fastifyError.code === 'FST_ERR_MAX_PARAM_LENGTH') return routingRefusal(fastifyError);
  if (fastifyError.statusCode && fastifyError.statusCode < 500) {
    const code = fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'payload_too_large'
      : fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fastifyError instanceof SyntaxError ? 'invalid_json'
      : 'bad_request';
    return { status: fastifyError.statusCode, body: { error: { code, message: fastifyError.message } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error' } } };
}

/** Longest path segment (an id, a name) the router matches: Fastify's `maxParamLength` default. */
export const MAX_PATH_SEGMENT = 100;

/** A URL the router could not match a route with: bad percent-encoding (400), a segment too long (414). */
function routingRefusal(error: FastifyError): { status: number; body: ErrorBody } {
  // Fastify's message quotes the path; a long one is cut.
  const path = /^'(.*)' is /s.exec(error.message)?.[1] ?? '';
  const shown = JSON.stringify(path.length > 120 ? `${path.slice(0, 120)}…` : path);
  return error.code === 'FST_ERR_BAD_URL'
    ? { status: 400, body: { error: { code: 'invalid_url', message: `url: ${shown} is not valid percent-encoding (a % must be followed by two hex digits forming UTF-8)`, field: 'url' } } }
    : { status: 414, body: { error: { code: 'uri_too_long', message: `url: a path segment of ${longestSegment(path)} characters; an id or a name is at most ${MAX_PATH_SEGMENT}`, field: 'url' } } };
}

function longestSegment(path: string): number {
  return Math.max(0, ...path.split('?')[0].split('/').map((s) => s.length));
}

/**
 * Node's HTTP parser refusing a request before Fastify sees it (malformed headers or framing,
 * headers over 16 KiB, a request too slow to arrive): answered in the one error shape, then the
 * connection is closed (what it carried next cannot be trusted). Fastify's `clientErrorHandler`.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, text, body]: [number, string, ErrorBody] = error.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'Request Header Fields Too Large', { error: { code: 'headers_too_large', message: 'the request line and headers are over 16 KiB: shorten the URL or the headers', field: 'headers' } }]
    : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', { error: { code: 'request_timeout', message: 'the request did not arrive in time' } }]
      : [400, 'Bad Request', { error: { code: 'bad_request', message: `malformed HTTP request (${error.code ?? 'unknown'}): check the request line, the headers and the body's framing` } }];
  const json = JSON.stringify(body);
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${text}\r\nContent-Length: ${Buffer.byteLength(json)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${json}`);
  }
  socket.destroy(error);
}

/**
 * Fastify's own refusals, said with what only the request knows: the route's body limit and
 * the size that came (413), the content-type that came (415).
 */
export function explainFrameworkError(error: unknown, request: FastifyRequest): unknown {
  const code = (error as FastifyError | null)?.code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return bodyTooLarge(`${request.method} ${request.routeOptions.url ?? request.url}`, request.routeOptions.bodyLimit, announcedLength(request.raw));
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new UnsupportedMediaTypeError(request.headers['content-type'] ?? '(none)');
  return error;
}

/** The app's error handler: maps the error, logs a 5xx, and keeps a refusal readable. */
export function createErrorHandler(log: ServerLog) {
  return function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const { status, body } = toErrorResponse(explainFrameworkError(error, request));
    let sent = body;
    if (status >= 500) {
      log.failed({ requestId: request.id, method: request.method, url: request.url, status, error });
      const message = `${body.error.message}; see request ${request.id} in the server log (server.log in the server's data directory)`;
      sent = { error: { ...body.error, message, requestId: request.id } };
    }
    const send = () => void reply.status(status).send(sent);
    const pending = readRestOfBody(request, reply, status);
    if (pending) void pending.then(send);
    else send();
  };
}

/**
 * Fastify closes the connection after a body it could not parse, in case more of it is on the
 * way. When the body was read to its end there is nothing to fear: the connection is kept.
 * When a body over the limit is still coming, the rest is read and dropped (up to a bound)
 * before the 413 is sent, so a client that sends everything before it reads (Node's fetch,
 * Python's urllib, which also asks to close after the answer) reads the 413 instead of failing
 * to write into a closed socket (`oversized-body.ts`). Returns what to wait for, or null.
 */
function readRestOfBody(request: FastifyRequest, reply: FastifyReply, status: number): Promise<void> | null {
  if (String(reply.getHeader('connection')).toLowerCase() !== 'close') return null;
  const raw = request.raw;
  if (raw.complete) {
    reply.removeHeader('connection');
    return null;
  }
  if (status !== 413 || !shouldDiscard(raw)) return null;
  reply.removeHeader('connection');
  return discardBody(raw).then((outcome) => {
    if (outcome !== 'read') reply.header('connection', 'close');
  });
}
