import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fastifyCookie from '@fastify/cookie';
import Fastify from 'fastify';
import { setSessionCookie } from './session.ts';

/** An app whose one route sets the session cookie, as `POST /api/session` does. */
async function cookieApp(options: { secureCookies?: boolean; trustProxy?: boolean }) {
  const app = Fastify({ trustProxy: options.trustProxy ?? false });
  await app.register(fastifyCookie);
  app.post('/', async (request, reply) => {
    setSessionCookie(reply, request, '0123456789abcdef.secret', Date.UTC(2030, 0, 1), { secureCookies: options.secureCookies });
    return {};
  });
  return app;
}

const attributes = (header: string | string[] | number | undefined) => String(header).split(';').map((a) => a.trim().toLowerCase());

describe('the session cookie', () => {
  it('is HttpOnly, SameSite=Strict, Path=/ and ends with the session; not Secure over plain HTTP', async () => {
    const app = await cookieApp({});
    const cookie = attributes((await app.inject({ method: 'POST', url: '/' })).headers['set-cookie']);
    assert.ok(cookie.includes('httponly') && cookie.includes('samesite=strict') && cookie.includes('path=/'), cookie.join('; '));
    assert.ok(cookie.includes('expires=tue, 01 jan 2030 00:00:00 gmt'), cookie.join('; '));
    assert.ok(!cookie.includes('secure'));
  });

  it('is Secure with --secure-cookies, and when a trusted proxy says the request came over HTTPS', async () => {
    const forced = await cookieApp({ secureCookies: true });
    assert.ok(attributes((await forced.inject({ method: 'POST', url: '/' })).headers['set-cookie']).includes('secure'));
    const proxied = await cookieApp({ trustProxy: true });
    assert.ok(attributes((await proxied.inject({ method: 'POST', url: '/', headers: { 'x-forwarded-proto': 'https' } })).headers['set-cookie']).includes('secure'));
    const untrusted = await cookieApp({});
    assert.ok(!attributes((await untrusted.inject({ method: 'POST', url: '/', headers: { 'x-forwarded-proto': 'https' } })).headers['set-cookie']).includes('secure'), 'an untrusted header is ignored');
  });
});
