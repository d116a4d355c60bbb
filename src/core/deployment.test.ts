import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeSmoke, redactConfig, REDACTED, type SmokeCheck } from './deployment.ts';

const smoke = (expect: SmokeCheck['expect']): SmokeCheck => ({ prompt: 'Once upon', expect });

describe('judgeSmoke', () => {
  it('passes an answer with every expected property, and says so', () => {
    const judged = judgeSmoke(smoke({ contains: 'time', matches: '^ a', minLength: 5 }), ' a time');
    assert.deepEqual(judged, { ok: true, detail: 'smoke: answer " a time" (7 characters) as expected' });
  });

  it('passes any answer when nothing is expected', () => {
    assert.equal(judgeSmoke(smoke({}), '').ok, true);
  });

  it('names the missing string', () => {
    assert.deepEqual(judgeSmoke(smoke({ contains: 'time' }), 'xx'), { ok: false, detail: 'smoke: answer "xx" does not contain "time"' });
  });

  it('names the pattern that did not match, and a pattern that is no regular expression', () => {
    assert.equal(judgeSmoke(smoke({ matches: '^[0-9]+$' }), 'abc').detail, 'smoke: answer "abc" does not match /^[0-9]+$/');
    const broken = judgeSmoke(smoke({ matches: '(' }), 'abc');
    assert.equal(broken.ok, false);
    assert.match(broken.detail, /^smoke: expect\.matches "\(" is not a valid regular expression \(/);
  });

  it('says how long a short answer was and how long it had to be', () => {
    assert.equal(judgeSmoke(smoke({ minLength: 8 }), 'xx').detail, 'smoke: answer "xx" has 2 characters, expected at least 8');
    assert.equal(judgeSmoke(smoke({ minLength: 1 }), '').detail, 'smoke: answer "" has 0 characters, expected at least 1');
    assert.equal(judgeSmoke(smoke({ minLength: 2 }), 'x').detail, 'smoke: answer "x" has 1 character, expected at least 2');
  });

  it('refuses an adapter answering like its base model, and a comparison without a base answer', () => {
    const expect = { differsFromBase: true };
    assert.equal(judgeSmoke(smoke(expect), 'tuned', 'base').ok, true);
    const stale = judgeSmoke(smoke(expect), 'base', 'base');
    assert.equal(stale.detail, 'smoke: answer "base" is the base model\'s answer (a stale or unloaded adapter answers like the base model)');
    assert.match(judgeSmoke(smoke(expect), 'tuned').detail, /no base model answer came/);
    // Said before any other expectation the base model's answer also misses.
    assert.equal(judgeSmoke(smoke({ contains: 'tuned', differsFromBase: true }), 'base', 'base').ok, false);
    assert.match(judgeSmoke(smoke({ contains: 'tuned', differsFromBase: true }), 'base', 'base').detail, /is the base model's answer/);
  });

  it('reports the first failing expectation, and cuts a long answer', () => {
    const long = 'y'.repeat(100);
    const judged = judgeSmoke(smoke({ contains: 'z', minLength: 1000 }), long);
    assert.equal(judged.detail, `smoke: answer "${'y'.repeat(60)}…" does not contain "z"`);
  });
});

describe('redactConfig', () => {
  it('hides secrets and header values, and keeps the rest', () => {
    assert.deepEqual(
      redactConfig({ url: 'http://x', apiKey: 'sk-1', token: '', headers: { 'x-auth': 'a', accept: 'b' }, port: 3, adminPassword: null }),
      { url: 'http://x', apiKey: REDACTED, token: '', headers: { 'x-auth': REDACTED, accept: REDACTED }, port: 3, adminPassword: null },
    );
  });
});
