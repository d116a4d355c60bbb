import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY_MS, DEFAULT_RETENTION, decideEventRetention, LOG_TRIM_SLACK, lineStart, parseRetentionAge, planLogTrim } from './retention-events.ts';

const now = 100 * DAY_MS;

describe('event retention', () => {
  it('deletes old events up to the slowest subscriber', () => {
    const decision = decideEventRetention({
      now,
      maxAgeMs: 30 * DAY_MS,
      cursors: [{ subscriber: 'evaluation', lastId: 900 }, { subscriber: 'automations', lastId: 350 }, { subscriber: 'studies', lastId: 1200 }],
      subscribers: ['evaluation', 'automations', 'studies'],
    });
    assert.deepEqual(decision, { action: 'delete', before: 70 * DAY_MS, upToId: 350, heldBy: 'automations' });
  });

  it('counts the cursor of a subscriber this server no longer runs', () => {
    const decision = decideEventRetention({ now, maxAgeMs: DAY_MS, cursors: [{ subscriber: 'old-name', lastId: 5 }, { subscriber: 'evaluation', lastId: 90 }], subscribers: ['evaluation'] });
    assert.equal(decision.action === 'delete' && decision.upToId, 5);
  });

  it('keeps everything while a running subscriber has no cursor yet', () => {
    const decision = decideEventRetention({ now, maxAgeMs: DAY_MS, cursors: [{ subscriber: 'evaluation', lastId: 90 }], subscribers: ['evaluation', 'studies'] });
    assert.deepEqual(decision, { action: 'keep', reason: 'subscriber studies has not stored a cursor yet' });
  });

  it('deletes any old event when there is no subscriber at all', () => {
    const decision = decideEventRetention({ now, maxAgeMs: DAY_MS, cursors: [], subscribers: [] });
    assert.deepEqual(decision, { action: 'delete', before: 99 * DAY_MS, upToId: Number.MAX_SAFE_INTEGER, heldBy: null });
  });

  it('keeps everything when off', () => {
    assert.equal(decideEventRetention({ now, maxAgeMs: null, cursors: [], subscribers: [] }).action, 'keep');
  });
});

describe('log retention', () => {
  const settings = { logMaxAgeMs: 7 * DAY_MS, logKeepBytes: 1000 };

  it('trims the log of a job that ended long enough ago to its last bytes', () => {
    assert.deepEqual(planLogTrim({ path: '/d/log', size: 50_000, jobEndedAt: now - 8 * DAY_MS }, settings, now), { path: '/d/log', cut: 49_000, size: 50_000 });
  });

  it('leaves recent, small, already trimmed logs, and every log when off', () => {
    assert.equal(planLogTrim({ path: '/d/log', size: 50_000, jobEndedAt: now - 6 * DAY_MS }, settings, now), null);
    assert.equal(planLogTrim({ path: '/d/log', size: 1000 + LOG_TRIM_SLACK, jobEndedAt: 0 }, settings, now), null);
    assert.equal(planLogTrim({ path: '/d/log', size: 50_000, jobEndedAt: 0 }, { ...settings, logMaxAgeMs: null }, now), null);
    assert.equal(DEFAULT_RETENTION.logMaxAgeMs, null);
  });

  it('starts the kept part at a whole line', () => {
    assert.equal(lineStart(100, Buffer.from('tail of a line\nnext line\n')), 115);
    assert.equal(lineStart(100, Buffer.from('no line break')), 100);
  });
});

describe('parseRetentionAge', () => {
  it('reads days, hours, minutes, seconds and off', () => {
    assert.equal(parseRetentionAge('30d'), 30 * DAY_MS);
    assert.equal(parseRetentionAge(' 12h'), 12 * 3_600_000);
    assert.equal(parseRetentionAge('1.5m'), 90_000);
    assert.equal(parseRetentionAge('45s'), 45_000);
    assert.equal(parseRetentionAge('off'), null);
  });

  it('says what it expected', () => {
    assert.equal(parseRetentionAge('30'), 'an age like 30d, 12h, 90m or 45s, or off, not "30"');
    assert.equal(parseRetentionAge('0d'), 'an age above 0, not "0d"');
  });
});
