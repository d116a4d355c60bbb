import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codeRefusal, DEFAULT_SIGN_IN_POLICY, SESSION_TOUCH_EVERY_MS, sessionEnd, shouldTouch } from './sign-in.ts';

describe('sign-in policy', () => {
  const policy = { sessionIdleMs: 1000 };
  const session = { createdAt: 0, lastSeenAt: 500, expiresAt: 10_000 };

  it('keeps a session used within its idle limit and before its absolute end', () => {
    assert.equal(sessionEnd(session, 1499, policy), null);
  });

  it('ends a session idle for the idle limit, and one past its absolute end however fresh', () => {
    assert.equal(sessionEnd(session, 1500, policy), 'idle');
    assert.equal(sessionEnd({ ...session, lastSeenAt: 9999 }, 10_000, policy), 'expired');
  });

  it('writes a last use back at most once per SESSION_TOUCH_EVERY_MS', () => {
    assert.equal(shouldTouch({ lastSeenAt: 0 }, SESSION_TOUCH_EVERY_MS - 1), false);
    assert.equal(shouldTouch({ lastSeenAt: 0 }, SESSION_TOUCH_EVERY_MS), true);
    assert.ok(SESSION_TOUCH_EVERY_MS < DEFAULT_SIGN_IN_POLICY.sessionIdleMs / 100, 'touching is much finer than the idle limit');
  });

  it('says why a code was refused and what to do', () => {
    assert.match(codeRefusal('used'), /used already.*trainyard sign-in/);
    assert.match(codeRefusal('expired'), /expired.*trainyard sign-in/);
    assert.match(codeRefusal('unknown'), /unknown sign-in code/);
  });

  it('defaults to 5-minute codes and 12-hour idle, 7-day sessions', () => {
    assert.deepEqual(DEFAULT_SIGN_IN_POLICY, { codeTtlMs: 300_000, sessionIdleMs: 43_200_000, sessionMaxMs: 604_800_000 });
  });
});
