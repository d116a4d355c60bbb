/**
 * Dashboard sign-in through a real server (issue 15 §3): one-time codes from the CLI and the
 * server's start, exchanged for an HttpOnly SameSite=Strict session cookie; cookie requests
 * read by the session's role and write only with X-CSRF-Token; bearer tokens unaffected;
 * codes and sessions end (used, expired, signed out).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { cliJson, REPO, runCli, useServer, type TestServer } from './harness.ts';

interface Reply {
  status: number;
  body: any;
  setCookie: string[];
}

/** A request with only the given cookie and headers (no bearer token unless given). */
async function call(server: TestServer, method: string, path: string, init: { cookie?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Reply> {
  const response = await fetch(server.url + path, {
    method,
    headers: {
      ...(init.cookie ? { cookie: init.cookie } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, setCookie: response.headers.getSetCookie() };
}

/** Makes a code with the admin token and exchanges it: the cookie and CSRF token. */
async function signIn(server: TestServer, input: { role?: string } = {}): Promise<{ cookie: string; csrf: string; role: string }> {
  const made = await server.api('/api/v1/sign-in-codes', { body: input.role ? { role: input.role } : {} });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const exchanged = await call(server, 'POST', '/api/session', { body: { code: made.body.code } });
  assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
  return { cookie: exchanged.setCookie[0].split(';')[0], csrf: exchanged.body.csrfToken, role: exchanged.body.role };
}

const JOB = { command: ['true'], cwd: REPO };

describe('dashboard sign-in', () => {
  const theServer = useServer();

  it('prints a one-time sign-in link at start, not the admin token in a URL', async () => {
    const output = theServer().output();
    const link = /http:\/\/127\.0\.0\.1:\d+\/sign-in#code=([A-Za-z0-9_-]{22})/.exec(output);
    assert.ok(link, output);
    assert.doesNotMatch(output, /\?token=/);
    const exchanged = await call(theServer(), 'POST', '/api/session', { body: { code: link[1] } });
    assert.equal(exchanged.status, 200);
    assert.equal(exchanged.body.role, 'admin');
  });

  it('exchanges a code from `trainyard sign-in` once for an HttpOnly, SameSite=Strict cookie', async () => {
    const made = cliJson(await runCli(['sign-in', '--json'], { dataDir: theServer().dataDir }));
    assert.equal(made.role, 'admin');
    assert.match(made.url, new RegExp(`^${theServer().url}/sign-in#code=[A-Za-z0-9_-]{22}$`));
    const first = await call(theServer(), 'POST', '/api/session', { body: { code: made.code } });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.setCookie.length, 1);
    const attributes = first.setCookie[0].split(';').map((a) => a.trim().toLowerCase());
    assert.match(attributes[0], /^trainyard_session=[0-9a-f]{16}\.[a-z0-9_-]{43}$/);
    assert.ok(attributes.includes('httponly'), first.setCookie[0]);
    assert.ok(attributes.includes('samesite=strict'), first.setCookie[0]);
    assert.ok(attributes.includes('path=/'), first.setCookie[0]);
    assert.ok(!attributes.includes('secure'), 'not Secure over plain HTTP without --secure-cookies');
    assert.match(first.body.csrfToken, /^[A-Za-z0-9_-]{43}$/);

    const again = await call(theServer(), 'POST', '/api/session', { body: { code: made.code } });
    assert.equal(again.status, 401);
    assert.match(again.body.error.message, /used already/);
    assert.deepEqual(again.setCookie, [], 'a refused code sets no cookie');

    const text = await runCli(['sign-in', '--role', 'read'], { dataDir: theServer().dataDir });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^http:\/\/127\.0\.0\.1:\d+\/sign-in#code=[A-Za-z0-9_-]{22}\n$/);
    assert.match(text.stderr, /read sign-in link: it works once/);
    assert.equal((await runCli(['sign-in', '--role', 'root'], { dataDir: theServer().dataDir })).code, 2);
  });

  it('refuses an expired code, an unknown one and a malformed one', async () => {
    const made = await theServer().api('/api/v1/sign-in-codes', { body: { ttlSeconds: 1 } });
    assert.equal(made.status, 201);
    await sleep(1500);
    const late = await call(theServer(), 'POST', '/api/session', { body: { code: made.body.code } });
    assert.equal(late.status, 401);
    assert.match(late.body.error.message, /expired/);
    const unknown = await call(theServer(), 'POST', '/api/session', { body: { code: 'A'.repeat(22) } });
    assert.equal(unknown.status, 401);
    assert.match(unknown.body.error.message, /unknown sign-in code/);
    const malformed = await call(theServer(), 'POST', '/api/session', { body: { code: 'short' } });
    assert.equal(malformed.status, 400);
    assert.match(malformed.body.error.message, /code/);
  });

  it('reads by cookie; writes by cookie only with the X-CSRF-Token header', async () => {
    const { cookie, csrf } = await signIn(theServer());
    assert.equal((await call(theServer(), 'GET', '/api/v1/jobs', { cookie })).status, 200);
    assert.deepEqual((await call(theServer(), 'GET', '/api/v1/whoami', { cookie })).body, { role: 'admin', jobId: null, runId: null });
    assert.equal((await call(theServer(), 'GET', '/api/session', { cookie })).body.csrfToken, csrf, 'a reload gets the same CSRF token');

    const bare = await call(theServer(), 'POST', '/api/v1/jobs', { cookie, body: JOB });
    assert.equal(bare.status, 403);
    assert.match(bare.body.error.message, /missing X-CSRF-Token header/);
    const wrong = await call(theServer(), 'POST', '/api/v1/jobs', { cookie, body: JOB, headers: { 'x-csrf-token': 'x'.repeat(43) } });
    assert.equal(wrong.status, 403);
    assert.match(wrong.body.error.message, /X-CSRF-Token header does not match/);
    const made = await call(theServer(), 'POST', '/api/v1/jobs', { cookie, body: JOB, headers: { 'x-csrf-token': csrf } });
    assert.equal(made.status, 201, JSON.stringify(made.body));

    // Bearer tokens are untouched: no CSRF header needed, and a cookie beside them is not looked at.
    assert.equal((await theServer().api('/api/v1/jobs', { body: JOB })).status, 201);
    const both = await call(theServer(), 'POST', '/api/v1/jobs', { cookie: 'trainyard_session=garbage', body: JOB, headers: { authorization: `Bearer ${theServer().adminToken}` } });
    assert.equal(both.status, 201);
    // Public routes need neither.
    assert.equal((await call(theServer(), 'GET', '/health', { cookie: 'trainyard_session=garbage' })).status, 200);
  });

  it("gives a session its code's role: a read session looks but does not act; only admin tokens make codes", async () => {
    const read = (await theServer().api('/api/v1/tokens', { body: { role: 'read' } })).body.token as string;
    assert.equal((await theServer().api('/api/v1/sign-in-codes', { body: { role: 'read' }, token: read })).status, 403, 'a read token changes nothing');
    const session = await signIn(theServer(), { role: 'read' });
    assert.equal(session.role, 'read');
    assert.equal((await call(theServer(), 'GET', '/api/v1/jobs', { cookie: session.cookie })).status, 200);
    const write = await call(theServer(), 'POST', '/api/v1/jobs', { cookie: session.cookie, body: JOB, headers: { 'x-csrf-token': session.csrf } });
    assert.equal(write.status, 403);
    assert.match(write.body.error.message, /read/);
  });

  it('signs out: the session ends and the cookie is cleared; sign-out also needs the CSRF header', async () => {
    const { cookie, csrf } = await signIn(theServer());
    assert.equal((await call(theServer(), 'DELETE', '/api/session', { cookie })).status, 403);
    const out = await call(theServer(), 'DELETE', '/api/session', { cookie, headers: { 'x-csrf-token': csrf } });
    assert.equal(out.status, 204);
    assert.match(out.setCookie[0] ?? '', /^trainyard_session=;/);
    const after = await call(theServer(), 'GET', '/api/v1/jobs', { cookie });
    assert.equal(after.status, 401);
    assert.match(after.body.error.message, /session has ended/);
    assert.equal((await call(theServer(), 'GET', '/api/session', {})).status, 401);
    assert.equal((await call(theServer(), 'DELETE', '/api/session', { cookie })).status, 204, 'signing out twice is fine');
    assert.equal((await call(theServer(), 'DELETE', '/api/session', {})).status, 401, 'without a cookie there is nothing to sign out');
  });
});

describe('dashboard sessions end', () => {
  const theServer = useServer({ env: { TRAINYARD_SESSION_MAX_SECONDS: '1' } });

  it('refuses a session past its absolute end (TRAINYARD_SESSION_MAX_SECONDS)', async () => {
    const { cookie } = await signIn(theServer());
    await sleep(1500);
    const late = await call(theServer(), 'GET', '/api/v1/jobs', { cookie });
    assert.equal(late.status, 401);
    assert.match(late.body.error.message, /session has expired: sign in again/);
  });
});
