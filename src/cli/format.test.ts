import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatBytes,
  formatDuration,
  formatMetrics,
  formatRelative,
  formatThousands,
  formatValue,
  renderFields,
  renderTable,
  sparkline,
  truncate,
} from './format.ts';

describe('numbers', () => {
  it('groups thousands', () => {
    assert.equal(formatThousands(0), '0');
    assert.equal(formatThousands(999), '999');
    assert.equal(formatThousands(1000), '1,000');
    assert.equal(formatThousands(156945), '156,945');
    assert.equal(formatThousands(-1234567), '-1,234,567');
    assert.equal(formatThousands(1234.5), '1,234.5');
  });

  it('shows metric values with 4 significant digits', () => {
    assert.equal(formatValue(0.531234), '0.5312');
    assert.equal(formatValue(2.5), '2.5');
    assert.equal(formatValue(12000), '12,000');
    assert.equal(formatValue(1234.56), '1,234.6');
    assert.equal(formatValue(0.00000123), '1.23e-6');
    assert.equal(formatValue(null), 'NaN');
    assert.equal(formatValue(Number.POSITIVE_INFINITY), 'Infinity');
    assert.equal(formatValue('-Infinity'), '-Infinity');
  });

  it('formats bytes', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(300 * 1024 * 1024), '300 MiB');
  });
});

describe('time', () => {
  it('formats durations', () => {
    assert.equal(formatDuration(850), '850ms');
    assert.equal(formatDuration(42_000), '42s');
    assert.equal(formatDuration(192_000), '3m 12s');
    assert.equal(formatDuration(2 * 3600_000 + 5 * 60_000), '2h 05m');
    assert.equal(formatDuration(3 * 86_400_000 + 4 * 3600_000), '3d 4h');
    assert.equal(formatDuration(-1), '-');
  });

  it('formats times relative to now', () => {
    const now = 1_700_000_000_000;
    assert.equal(formatRelative(now - 500, now), 'just now');
    assert.equal(formatRelative(now - 12_000, now), '12s ago');
    assert.equal(formatRelative(now - 3 * 60_000 - 5000, now), '3m ago');
    assert.equal(formatRelative(now - 2 * 3600_000, now), '2h ago');
    assert.equal(formatRelative(now - 5 * 86_400_000, now), '5d ago');
    assert.equal(formatRelative(now + 3 * 60_000, now), 'in 3m');
    assert.equal(formatRelative(null, now), '-');
  });
});

describe('tables', () => {
  it('aligns columns, right-aligns numbers, trims trailing spaces', () => {
    const text = renderTable(
      [{ header: 'ID', align: 'right' }, { header: 'NAME' }, { header: 'STEPS', align: 'right' }],
      [
        ['1', 'char-lm', '1,200'],
        ['12', 'x', '3'],
      ],
    );
    assert.equal(text, ['ID  NAME     STEPS', ' 1  char-lm  1,200', '12  x            3', ''].join('\n'));
  });

  it('cuts cells longer than the column maximum', () => {
    const text = renderTable([{ header: 'NAME', max: 5 }], [['abcdefgh']]);
    assert.equal(text, 'NAME\nabcd…\n');
    assert.equal(truncate('abc', 3), 'abc');
  });

  it('renders key/value fields', () => {
    assert.equal(renderFields([['state', 'running'], ['cwd', '/x']]), 'state: running\ncwd:   /x\n');
  });

  it('renders metrics records sorted by key', () => {
    assert.equal(formatMetrics({ loss: 0.5, acc: 0.91 }), 'acc 0.91 · loss 0.5');
    assert.equal(formatMetrics({}), '-');
  });

  it('draws a sparkline from low to high', () => {
    assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
    assert.equal(sparkline([1, null, 1]), '▄ ▄');
    assert.equal(sparkline([]), '');
    assert.equal(sparkline(Array.from({ length: 1000 }, (_, i) => i), 10).length, 10);
  });
});
