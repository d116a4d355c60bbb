import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLineSplitter, type RawLine } from './line-splitter.ts';

function split(chunks: Array<string | Buffer>, max = 1 << 20): { lines: Array<Omit<RawLine, 'buf' | 'start' | 'end'> & { text: string }>; bom: boolean } {
  const lines: Array<Omit<RawLine, 'buf' | 'start' | 'end'> & { text: string }> = [];
  const splitter = createLineSplitter(max, (l) => {
    const { buf, start, end, ...rest } = l;
    lines.push({ ...rest, text: buf.toString('utf8', start, end) });
  });
  for (const c of chunks) splitter.push(typeof c === 'string' ? Buffer.from(c) : c);
  splitter.end();
  return { lines, bom: splitter.bom };
}

describe('line splitter', () => {
  it('cuts lines across chunk boundaries with their numbers and offsets', () => {
    const { lines } = split(['ab', 'c\nde', 'f\n', 'g\nh']);
    assert.deepEqual(lines.map((l) => [l.text, l.number, l.offset, l.terminated]), [['abc', 1, 0, true], ['def', 2, 4, true], ['g', 3, 8, true], ['h', 4, 10, false]]);
  });

  it('reads CRLF as LF and says so', () => {
    const { lines } = split(['a\r\nb\n', 'c\r', '\nd\r']);
    assert.deepEqual(lines.map((l) => [l.text, l.crlf]), [['a', true], ['b', false], ['c', true], ['d\r', false]]);
  });

  it('skips a UTF-8 BOM and reports it', () => {
    const { lines, bom } = split([Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n')])]);
    assert.equal(bom, true);
    assert.equal(lines[0].text, '{"a":1}');
    assert.equal(lines[0].offset, 3);
  });

  it('skips a line over the limit without keeping it, then goes on', () => {
    const long = 'x'.repeat(5000);
    const { lines } = split(['ok\n', long.slice(0, 1000), long.slice(1000), '\nnext\n', 'y'.repeat(3000)], 2048);
    assert.deepEqual(lines.map((l) => [l.text, l.skippedBytes, l.number]), [['ok', 0, 1], ['', 5000, 2], ['next', 0, 3], ['', 3000, 4]]);
    assert.equal(lines[3].terminated, false);
  });

  it('skips a long line inside one chunk too', () => {
    const { lines } = split([`${'z'.repeat(100)}\nshort\n`], 50);
    assert.deepEqual(lines.map((l) => [l.text, l.skippedBytes]), [['', 100], ['short', 0]]);
  });

  it('tells the length and start of the line under way, skipped or not', () => {
    const splitter = createLineSplitter(10, () => undefined);
    splitter.push(Buffer.from('ab\ncdef'));
    assert.deepEqual([splitter.partialBytes, splitter.partialOffset], [4, 3]);
    splitter.push(Buffer.from('g'.repeat(20)));
    assert.deepEqual([splitter.partialBytes, splitter.partialOffset], [24, 3], 'over the limit: still counted');
    splitter.push(Buffer.from('\n'));
    assert.deepEqual([splitter.partialBytes, splitter.partialOffset, splitter.lines], [0, 28, 2]);
  });

  it('reads a BOM as content when the stream is not the start of a file', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const lines: number[] = [];
    const splitter = createLineSplitter(100, (l) => lines.push(l.end - l.start), { fileStart: false });
    splitter.push(Buffer.concat([bom, Buffer.from('x\n')]));
    assert.equal(splitter.bom, false);
    assert.deepEqual(lines, [4]);
  });

  it('gives an empty stream no lines, and a trailing newline no empty line', () => {
    assert.deepEqual(split([]).lines, []);
    assert.deepEqual(split(['a\n']).lines.map((l) => l.text), ['a']);
    assert.deepEqual(split(['a\n\n']).lines.map((l) => l.text), ['a', '']);
  });
});
