/**
 * The rate limiter and the audit hook on a small Fastify app (the real plugin, a real SQLite
 * store): budgets per caller and per class, the 429 in the one error shape with Retry-After,
 * and audit entries written after the response, a failed write never failing the request.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { TokenScope } from '../core/types.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import type { App } from './app.ts';
import { registerAudit } from './audit.ts';
import { toErrorResponse } from './errors.ts';
import { registerRateLimits } from './rate-limit.ts';

const ADMIN = 'ty_0123456789abcdef_' + 'a'.repeat(43);
const OTHER = 'ty_fedcba9876543210_' + 'b'.repeat(43);

async function smallApp(store: Store, limits: { ingest: number; control: number; read: number }, log: string[] = []): Promise<App> {
  const app = Fastify({ trustProxy: '127.0.0.1' }) as unknown as App;
  app.decorateRequest('scope', null);
  app.decorateRequest('callerId', null);
  app.setErrorHandler((error: unknown, _request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toErrorResponse(error);
    void reply.status(status).send(body);
  });
  // Stands in for authentication: any well-formed bearer token is an admin.
  app.addHook('onRequest', async (request) => {
    const id = /^Bearer ty_([0-9a-f]{16})_/.exec(request.headers.authorization ?? '')?.[1];
    if (id) {
      request.scope = { role: 'admin', runId: null, jobId: null } as TokenScope;
      request.callerId = id;
    }
  });
  await registerRateLimits(app, { ...limits, windowMs: 60_000 });
  registerAudit(app, { store, now: () => 1_000, log: (line) => log.push(line) });
  app.post('/api/v1/jobs', async () => ({ ok: true }));
  app.post('/api/v1/jobs/:id/stop', async () => ({ ok: true }));
  app.post('/api/v1/runs/:runId/metrics', async () => ({ ok: true }));
  app.get('/api/v1/jobs', async () => ({ ok: true }));
  return app;
}

const post = (app: App, url: string, token = ADMIN, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}`, ...headers }, payload: {} });

describe('rate limits', () => {
  it('limits each caller per budget, answering 429 in the error shape with Retry-After', async () => {
    const store = await createSqliteStore(':memory:');
    const app = await smallApp(store, { ingest: 3, control: 2, read: 0 });
    try {
      assert.equal((await post(app, '/api/v1/jobs')).statusCode, 200);
      assert.equal((await post(app, '/api/v1/jobs/1/stop')).statusCode, 200);
      const limited = await post(app, '/api/v1/jobs');
      assert.equal(limited.statusCode, 429);
      const retryAfter = Number(limited.headers['retry-after']);
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${limited.headers['retry-after']}`);
      const body = limited.json();
      assert.deepEqual(Object.keys(body), ['error']);
      assert.equal(body.error.code, 'rate_limited');
      assert.match(body.error.message, /over 2 control requests per 60 s for this token; retry after \d+ s/);
      // Another token has its own budget; the ingest budget is separate; reads are not limited.
      assert.equal((await post(app, '/api/v1/jobs', OTHER)).statusCode, 200);
      for (let i = 0; i < 3; i++) assert.equal((await post(app, '/api/v1/runs/7/metrics')).statusCode, 200);
      assert.equal((await post(app, '/api/v1/runs/7/metrics')).statusCode, 429);
      for (let i = 0; i < 10; i++) assert.equal((await app.inject({ url: '/api/v1/jobs', headers: { authorization: `Bearer ${ADMIN}` } })).statusCode, 200);
    } finally {
      await app.close();
      await store.close();
    }
  });

  it('keys a caller without a token on its IP', async () => {
    const store = await createSqliteStore(':memory:');
    const app = await smallApp(store, { ingest: 0, control: 1, read: 0 });
    try {
      const anonymous = (ip: string) => app.inject({ method: 'POST', url: '/api/v1/jobs', remoteAddress: ip, payload: {} });
      assert.equal((await anonymous('10.0.0.1')).statusCode, 200);
      assert.equal((await anonymous('10.0.0.1')).statusCode, 429);
      assert.equal((await anonymous('10.0.0.2')).statusCode, 200);
    } finally {
      await app.close();
      await store.close();
    }
  });
});

describe('audit hook', () => {
  it('records who, what, the params, the status and the client IP (through a trusted proxy) after the response', async () => {
    const store = await createSqliteStore(':memory:');
    const app = await smallApp(store, { ingest: 0, control: 0, read: 0 });
    try {
      await post(app, '/api/v1/jobs/12/stop', ADMIN, { 'x-forwarded-for': '203.0.113.9' });
      await post(app, '/api/v1/runs/7/metrics');
      await app.inject({ url: '/api/v1/jobs', headers: { authorization: `Bearer ${ADMIN}` } });
      await app.close(); // waits for the writes
      const entries = await store.listAuditEntries({});
      assert.equal(entries.length, 1, 'only the stop: metric batches and reads are not audited');
      const [stop] = entries;
      assert.deepEqual(
        { callerId: stop.callerId, callerName: stop.callerName, method: stop.method, route: stop.route, params: stop.params, status: stop.status, ip: stop.ip, at: stop.at },
        { callerId: '0123456789abcdef', callerName: 'admin token 0123456789abcdef', method: 'POST', route: '/api/v1/jobs/:id/stop', params: { id: '12' }, status: 200, ip: '203.0.113.9', at: 1_000 },
      );
    } finally {
      await app.close();
      await store.close();
    }
  });

  it('never fails the request when the write fails, and logs it', async () => {
    const store = await createSqliteStore(':memory:');
    const log: string[] = [];
    const broken = { ...store, recordAuditEntry: async () => { throw new Error('disk I/O error'); } } as Store;
    const app = await smallApp(broken, { ingest: 0, control: 0, read: 0 }, log);
    try {
      assert.equal((await post(app, '/api/v1/jobs')).statusCode, 200);
      await app.close();
      assert.equal(log.length, 1);
      assert.match(log[0], /^audit: could not record POST \/api\/v1\/jobs \(request .+\): disk I\/O error$/);
    } finally {
      await app.close();
      await store.close();
    }
  });
});
