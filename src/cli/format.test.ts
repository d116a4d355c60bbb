import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  escapeControlChars,
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

describe('user text', () => {
  it('escapes C0, DEL and C1 controls', () => {
    assert.equal(escapeControlChars('a\u0000b'), 'a\\x00b');
    assert.equal(escapeControlChars('\u001b[2J\u001b]0;pwned\u0007'), '\\x1b[2J\\x1b]0;pwned\\x07');
    assert.equal(escapeControlChars('tab\tnew\nline\rcr'), 'tab\\tnew\\nline\\rcr');
    assert.equal(escapeControlChars('del\u007f'), 'del\\x7f');
    assert.equal(escapeControlChars('csi\u009b31m\u0085'), 'csi\\x9b31m\\x85');
  });

  it('escapes bidi overrides, isolates and marks, and line separators', () => {
    assert.equal(escapeControlChars('job\u202egnp.exe'), 'job\\u202egnp.exe');
    for (const c of ['\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u2066', '\u2067', '\u2068', '\u2069', '\u2028', '\u2029']) {
      assert.equal(escapeControlChars(c), `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    }
  });

  it('leaves printable text alone, backslashes and other scripts included', () => {
    for (const text of ['', 'resnet-50 lr=0.1', 'C:\\runs\\a', 'Training epoch 2/3 · ⏳', 'شبكة', '日本語', '\u00a0nbsp', '😀']) {
      assert.equal(escapeControlChars(text), text);
    }
  });

  it('escapes every table cell and field value, keeping columns aligned', () => {
    const table = renderTable([{ header: 'NAME' }, { header: 'STATE' }], [['evil\u001b[31m\u202e', 'queued'], ['ok', 'running']]);
    const cell = 'evil\\x1b[31m\\u202e';
    assert.equal(table, `${'NAME'.padEnd(cell.length)}  STATE\n${cell}  queued\n${'ok'.padEnd(cell.length)}  running\n`);
    assert.equal(renderFields([['tags', 'a\nb']]), 'tags: a\\nb\n');
  });
});
