import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes, formatDuration, formatRate, formatRelative, formatSlots, formatThousands, formatValue, percentDone } from './format.ts';

describe('format', () => {
  it('separates thousands and marks missing numbers', () => {
    assert.equal(formatThousands(1234567), '1,234,567');
    assert.equal(formatThousands(0), '0');
    assert.equal(formatThousands(null), '–');
    assert.equal(formatThousands(NaN), '–');
  });

  it('prints metric values with four significant digits', () => {
    assert.equal(formatValue(0.421337), '0.4213');
    assert.equal(formatValue(12.3456), '12.35');
    assert.equal(formatValue(1024), '1,024');
    assert.equal(formatValue(123456.78), '123,457');
    assert.equal(formatValue(0.00001234), '1.23e-5');
    assert.equal(formatValue(-2.5e9), '-2.5e+9');
    assert.equal(formatValue(0), '0');
    assert.equal(formatValue(NaN), 'NaN');
    assert.equal(formatValue(Infinity), '∞');
    assert.equal(formatValue(null), '–');
  });

  it('prints durations in the two largest units', () => {
    assert.equal(formatDuration(45), '45 s');
    assert.equal(formatDuration(200), '3 min 20 s');
    assert.equal(formatDuration(180), '3 min');
    assert.equal(formatDuration(2 * 3600 + 5 * 60 + 9), '2 h 5 min');
    assert.equal(formatDuration(3 * 86400 + 4 * 3600), '3 d 4 h');
    assert.equal(formatDuration(null), '–');
    assert.equal(formatDuration(-1), '–');
  });

  it('prints relative times past and future', () => {
    const now = 1_700_000_000_000;
    assert.equal(formatRelative(now - 500, now), 'just now');
    assert.equal(formatRelative(now - 12_000, now), '12 s ago');
    assert.equal(formatRelative(now - 5 * 60_000 - 10, now), '5 min ago');
    assert.equal(formatRelative(now - 3 * 3600_000, now), '3 h ago');
    assert.equal(formatRelative(now - 2 * 86_400_000, now), '2 d ago');
    assert.equal(formatRelative(now + 3 * 60_000, now), 'in 3 min');
  });

  it('prints bytes, rates, slots and percent done', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(23.4 * 1024 * 1024), '23 MB');
    assert.equal(formatRate(12.34), '12.3 steps/s');
    assert.equal(formatRate(0.4212), '0.42 steps/s');
    assert.equal(formatRate(1234.5), '1,235 steps/s');
    assert.equal(formatSlots({ gpus: 2, cpus: 1 }), '2 GPUs + 1 CPU');
    assert.equal(formatSlots({ gpus: 0, cpus: 1 }), '1 CPU');
    assert.equal(percentDone({ step: 50, total: 200 }), 25);
    assert.equal(percentDone({ step: 500, total: 200 }), 100);
    assert.equal(percentDone({ step: 5, total: null }), null);
  });
});
