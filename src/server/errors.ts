/** The one place where errors become HTTP responses: `{error: {code, message, field?}}`. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  TrainyardError,
  UnauthorizedError,
  ValidationError,
} from '../core/errors.ts';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string };
}

const STATUS: ReadonlyArray<[new (...args: never[]) => TrainyardError, number]> = [
  [ValidationError, 400],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [PayloadTooLargeError, 413],
];

export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof TrainyardError) {
    const status = STATUS.find(([type]) => error instanceof type)?.[1] ?? 500;
    const field = error instanceof ValidationError && error.field ? { field: error.field } : {};
    return { status, body: { error: { code: error.code, message: error.message, ...field } } };
  }
  const fastifyError = error as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fastifyError)) {
    const issue = fastifyError.validation[0];
    const where = fastifyError.validationContext ?? 'body';
    const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const field = path ? `${where === 'body' ? '' : `${where}.`}${path}` : where;
    return { status: 400, body: { error: { code: 'invalid_input', message: `${field}: ${issue.message}`, field } } };
  }
  if (fastifyError.statusCode && fastifyError.statusCode < 500) {
    const code = fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'payload_too_large'
      : fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fastifyError instanceof SyntaxError ? 'invalid_json'
      : 'bad_request';
    return { status: fastifyError.statusCode, body: { error: { code, message: fastifyError.message } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error; see the server log' } } };
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toErrorResponse(error);
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  void reply.status(status).send(body);
}
