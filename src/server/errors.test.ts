import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Fastify from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { nameSchema } from '../core/names.ts';
import type { App } from './app.ts';
import { registerBodyParsers } from './body-parsers.ts';
import { createErrorHandler } from './errors.ts';
import { validatorCompiler } from './routes/schemas.ts';
import { createServerLog } from './server-log.ts';

describe('errors: what a refused or failed request is told', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-errors-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const logPath = join(dir, 'server.log');
  const echoed: string[] = [];

  /** The app's body parsers, validator and error handler around a few routes. */
  async function app() {
    const app = Fastify({ genReqId: () => 'a1b2c3d4e5f6' }).withTypeProvider<ZodTypeProvider>();
    app.setValidatorCompiler(validatorCompiler);
    app.setErrorHandler(createErrorHandler(createServerLog(logPath, { now: () => Date.UTC(2026, 0, 5, 10), echo: (l) => echoed.push(l) })));
    registerBodyParsers(app as unknown as App);
    app.post('/spec', { schema: { body: z.strictObject({ gpus: z.number().optional(), params: z.record(z.string(), z.unknown()).optional(), name: nameSchema().optional() }) } }, async (r) => r.body);
    app.post('/bodyless', async (r) => ({ body: r.body ?? null }));
    app.get('/jobs/:id', { schema: { params: z.object({ id: z.coerce.number().int().positive() }) } }, async (r) => r.params);
    app.get('/boom', async () => {
      JSON.stringify(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`));
    });
    return app;
  }

  const post = (url: string, payload: string, contentType = 'application/json') =>
    ({ method: 'POST' as const, url, payload, headers: { 'content-type': contentType } });

  it('names the field, what was expected and what came', async () => {
    const a = await app();
    const gpus = await a.inject(post('/spec', '{"gpus": "two"}'));
    assert.equal(gpus.statusCode, 400);
    assert.deepEqual(gpus.json().error, { code: 'invalid_input', message: 'gpus: expected a number, got the string "two"', field: 'gpus' });
    const unknown = await a.inject(post('/spec', '{"gpu": 1}'));
    assert.equal(unknown.json().error.field, 'gpu');
    const id = await a.inject('/jobs/0');
    assert.deepEqual(id.json().error, { code: 'invalid_input', message: 'params.id: must be greater than 0, got the number 0', field: 'params.id' });
    const name = await a.inject(post('/spec', JSON.stringify({ name: 'job\u001b[2J' })));
    assert.match(name.json().error.message, /^name: contains U\+001B \(ESC\) at character 4: /);
  });

  it('says a body must be JSON sent as application/json, and takes an empty text/plain body as none', async () => {
    const a = await app();
    const text = await a.inject(post('/spec', '{"gpus": 1}', 'text/plain;charset=UTF-8'));
    assert.equal(text.statusCode, 415);
    assert.deepEqual(text.json().error, {
      code: 'unsupported_media_type',
      message: 'body: expected JSON sent with content-type: application/json, got content-type: text/plain;charset=UTF-8',
    });
    const form = await a.inject(post('/spec', 'gpus=1', 'application/x-www-form-urlencoded'));
    assert.equal(form.statusCode, 415);
    assert.match(form.json().error.message, /got content-type: application\/x-www-form-urlencoded$/);
    assert.deepEqual((await a.inject(post('/bodyless', '', 'text/plain'))).json(), { body: null });
  });

  it('says where JSON is malformed, and refuses "__proto__" keys and deep nesting by field', async () => {
    const a = await app();
    const bad = await a.inject(post('/spec', '{"gpus": 1,}'));
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'invalid_json');
    assert.match(bad.json().error.message, /^body is not valid JSON: .*position 11/);
    const empty = await a.inject(post('/spec', ''));
    assert.match(empty.json().error.message, /^body is empty but content-type is application\/json/);
    const proto = await a.inject(post('/spec', '{"params": {"__proto__": {"admin": true}}}'));
    assert.equal(proto.statusCode, 400);
    assert.equal(proto.json().error.field, 'params.__proto__');
    assert.match(proto.json().error.message, /the key "__proto__" is refused: .*prototype pollution/);
    const deep = await a.inject(post('/spec', `{"params": ${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`));
    assert.equal(deep.statusCode, 400);
    assert.deepEqual(deep.json().error, { code: 'invalid_input', message: 'params: nested 5000 levels deep; the limit is 64', field: 'params' });
  });

  it('logs a 5xx with its request id to the server log, and returns that id', async () => {
    const a = await app();
    const res = await a.inject('/boom');
    assert.equal(res.statusCode, 500);
    const { error } = res.json();
    assert.equal(error.code, 'internal');
    assert.equal(error.requestId, 'a1b2c3d4e5f6');
    assert.match(error.message, /^internal error; see request a1b2c3d4e5f6 in the server log/);
    const log = readFileSync(logPath, 'utf8');
    assert.match(log, /^2026-01-05T10:00:00\.000Z request a1b2c3d4e5f6 GET \/boom answered 500: RangeError: Maximum call stack size exceeded\n {4}at /);
    assert.deepEqual(echoed, [`request a1b2c3d4e5f6 GET /boom answered 500: RangeError: Maximum call stack size exceeded (details in ${logPath})`]);
  });
});
