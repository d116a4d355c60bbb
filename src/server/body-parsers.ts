/**
 * How request bodies are read, for every route but the metric batch route (which reads its
 * own, see `routes/metrics.ts`):
 *
 * | content-type       | body                                                              |
 * |--------------------|-------------------------------------------------------------------|
 * | `application/json` | parsed, then `findJsonProblem`: too deep or a `__proto__` key → 400 |
 * | `text/plain`       | empty: no body; anything else → 415 saying to send JSON           |
 * | none, empty body   | no body                                                           |
 * | anything else      | 415 naming the content-type (Fastify's, explained in `errors.ts`)  |
 */
import { InvalidJsonError, UnsupportedMediaTypeError, ValidationError } from '../core/errors.ts';
import { findJsonProblem } from '../core/json-guard.ts';
import type { App } from './app.ts';

export function registerBodyParsers(app: App): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  // `fetch(url, {body: JSON.stringify(spec)})` without a content-type sends text/plain.
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (request, body, done) => {
    if ((body as string).length === 0) return done(null, undefined);
    done(new UnsupportedMediaTypeError(String(request.headers['content-type'])), undefined);
  });
}

/** Parses a JSON body and checks its shape; throws `ValidationError` naming the field. */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new ValidationError('body is empty but content-type is application/json: send a JSON document, or no content-type', null, { code: 'invalid_json' });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidJsonError((error as Error).message);
  }
  const problem = findJsonProblem(value);
  // A top-level key may be "": the field is then the body itself.
  if (problem) throw new ValidationError(problem.message, problem.field || 'body');
  return value;
}
