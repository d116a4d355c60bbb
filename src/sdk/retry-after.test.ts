import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, createTransport } from './client.ts';
import { retryAfter } from './retry-after.ts';

describe('retryAfter', () => {
  it('reads seconds or an HTTP date, caps at an hour, and ignores what it cannot read', () => {
    const now = Date.parse('2026-12-07T10:00:00Z');
    assert.equal(retryAfter('12', now), 12_000);
    assert.equal(retryAfter('0', now), 0);
    assert.equal(retryAfter('Mon, 07 Dec 2026 10:00:30 GMT', now), 30_000);
    assert.equal(retryAfter('Mon, 07 Dec 2026 09:00:00 GMT', now), 0, 'a date past is now');
    assert.equal(retryAfter('999999', now), 3_600_000);
    assert.equal(retryAfter(null, now), null);
    assert.equal(retryAfter('soon', now), null);
  });
});

/** A fetch that answers each call with the next of `answers` ([status, Retry-After]). */
function scripted(answers: Array<[number, string | null]>): { fetch: typeof fetch; calls: () => number } {
  let calls = 0;
  const fake = (async () => {
    const [status, after] = answers[Math.min(calls++, answers.length - 1)];
    const body = status === 200 ? '{"ok":true}' : JSON.stringify({ error: { code: 'rate_limited', message: 'rate limited: over 1 control requests per 60 s for this token; retry after 1 s (Retry-After)' } });
    return new Response(body, { status, headers: after === null ? {} : { 'retry-after': after } });
  }) as typeof fetch;
  return { fetch: fake, calls: () => calls };
}

describe('the client and a 429', () => {
  it('sends again after Retry-After and returns the answer that came', async () => {
    const server = scripted([[429, '0'], [429, '0'], [200, null]]);
    const transport = createTransport({ url: 'http://x', fetch: server.fetch });
    assert.deepEqual(await transport.json('POST', '/api/v1/jobs', { body: {} }), { ok: true });
    assert.equal(server.calls(), 3);
  });

  it('gives up after its retries and says so', async () => {
    const server = scripted([[429, '0']]);
    const transport = createTransport({ url: 'http://x', fetch: server.fetch, rateLimitRetries: 2 });
    await assert.rejects(transport.json('POST', '/api/v1/jobs', { body: {} }), (error: ApiError) => {
      assert.equal(error.status, 429);
      assert.equal(error.code, 'rate_limited');
      assert.match(error.message, /retry after 1 s \(Retry-After\) \(retried 2 times over 0 s; the server asks to wait 0 s more\)$/);
      return true;
    });
    assert.equal(server.calls(), 3);
  });

  it('does not wait longer than its bound: a long Retry-After is reported at once', async () => {
    const server = scripted([[429, '600']]);
    const transport = createTransport({ url: 'http://x', fetch: server.fetch });
    await assert.rejects(transport.json('GET', '/api/v1/jobs'), /\(not retried; the server asks to wait 600 s more\)$/);
    assert.equal(server.calls(), 1);
  });
});
