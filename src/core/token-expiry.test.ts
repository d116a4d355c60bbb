import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExpiry } from './token-expiry.ts';

const NOW = Date.UTC(2026, 11, 7, 23, 30);
const DAY = 86_400_000;

describe('parseExpiry', () => {
  it('reads durations from now', () => {
    assert.equal(parseExpiry('12h', NOW), NOW + DAY / 2);
    assert.equal(parseExpiry('30d', NOW), NOW + 30 * DAY);
    assert.equal(parseExpiry(' 2w ', NOW), NOW + 14 * DAY);
    assert.equal(parseExpiry('1y', NOW), NOW + 365 * DAY);
  });

  it('reads a date as 00:00 UTC that day, and a time with its zone', () => {
    assert.equal(parseExpiry('2026-12-31', NOW), Date.UTC(2026, 11, 31));
    assert.equal(parseExpiry('2026-12-31T18:00:00Z', NOW), Date.UTC(2026, 11, 31, 18));
    assert.equal(parseExpiry('2026-12-31T18:00+02:00', NOW), Date.UTC(2026, 11, 31, 16));
  });

  it('says what it expected and what came', () => {
    for (const bad of ['30', 'd30', '30m', '30 days', '2026-12-31T18:00', 'soon', '']) {
      const said = parseExpiry(bad, NOW);
      assert.equal(typeof said, 'string', bad);
      assert.match(said as string, /a duration \(12h, 30d, 2w, 1y\)/, bad);
      assert.ok((said as string).includes(JSON.stringify(bad)), `names ${bad}`);
    }
    assert.match(parseExpiry('0d', NOW) as string, /above zero/);
    assert.match(parseExpiry('2026-02-30', NOW) as string, /a real calendar date, not "2026-02-30"/);
  });

  it('refuses a time that has passed, or one a Date cannot hold', () => {
    assert.match(parseExpiry('2026-12-01', NOW) as string, /^a time in the future, not "2026-12-01" \(2026-12-01T00:00:00.000Z; now is 2026-12-07T23:30:00.000Z\)$/);
    assert.match(parseExpiry('2026-12-07T23:30:00Z', NOW) as string, /in the future/);
    assert.match(parseExpiry('999999y', NOW) as string, /before the year 275760/);
  });
});
