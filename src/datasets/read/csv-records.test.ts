import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCsvRecordParser, MAX_RECORD_LINES } from './csv-records.ts';

function records(lines: string[], delimiter = ','): Array<{ fields: string[]; line: number; error: string | null }> {
  const parser = createCsvRecordParser(delimiter);
  const out = [];
  for (const [i, l] of lines.entries()) {
    const r = parser.push(l, i + 1);
    if (r) out.push(r);
  }
  const last = parser.end();
  if (last) out.push(last);
  return out;
}

describe('csv records', () => {
  it('splits plain and quoted fields, with "" escapes', () => {
    assert.deepEqual(records(['a,b,c', '"x, y","say ""hi""",3']).map((r) => r.fields), [['a', 'b', 'c'], ['x, y', 'say "hi"', '3']]);
  });

  it('joins a quoted field across lines, numbering the record by its first line', () => {
    const r = records(['id,text', '1,"two', 'lines"', '2,x']);
    assert.deepEqual(r.map((x) => [x.fields, x.line]), [[['id', 'text'], 1], [['1', 'two\nlines'], 2], [['2', 'x'], 4]]);
  });

  it('reads tab-separated records', () => {
    assert.deepEqual(records(['a\tb', '1\t"2\t3"'], '\t').map((r) => r.fields), [['a', 'b'], ['1', '2\t3']]);
  });

  it('reports text after a closing quote, and a quote never closed', () => {
    const r = records(['"a"b,c', 'ok,1', '"open,2']);
    assert.match(r[0].error ?? '', /after the closing quote/);
    assert.equal(r[1].error, null);
    assert.match(r[2].error ?? '', /never closed/);
    assert.equal(r[2].line, 3);
  });

  it('gives up on a quote left open for too many lines, then reads on', () => {
    const lines = ['"open', ...Array.from({ length: MAX_RECORD_LINES + 1 }, () => 'x'), 'a,b'];
    const r = records(lines);
    assert.match(r[0].error ?? '', /not closed within/);
    assert.deepEqual(r.at(-1)?.fields, ['a', 'b']);
  });
});
