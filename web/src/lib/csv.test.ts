import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTable, separatorFor } from './csv.ts';

describe('parseTable', () => {
  it('reads a header and rows, with or without a final newline, \\n or \\r\\n', () => {
    const expected = { header: ['step', 'loss'], rows: [['1', '0.5'], ['2', '0.4']], total: 2 };
    assert.deepEqual(parseTable('step,loss\n1,0.5\n2,0.4\n'), expected);
    assert.deepEqual(parseTable('step,loss\r\n1,0.5\r\n2,0.4'), expected);
  });

  it('reads quoted fields: separators, quotes and newlines inside them', () => {
    const table = parseTable('name,note\n"a,b","say ""hi"""\n"two\nlines",x\n');
    assert.deepEqual(table.rows, [['a,b', 'say "hi"'], ['two\nlines', 'x']]);
  });

  it('keeps empty fields and ragged rows as they are', () => {
    assert.deepEqual(parseTable('a,b,c\n1,,3\n4\n').rows, [['1', '', '3'], ['4']]);
  });

  it('reads TSV with a tab, and a byte-order mark is not part of the first name', () => {
    assert.deepEqual(parseTable('\ufeffa\tb\n1\t2,5\n', separatorFor('r.TSV')), { header: ['a', 'b'], rows: [['1', '2,5']], total: 1 });
    assert.equal(separatorFor('r.csv'), ',');
  });

  it('keeps the first maxRows rows and counts them all', () => {
    const text = `i\n${Array.from({ length: 1000 }, (_, i) => i).join('\n')}\n`;
    const table = parseTable(text, ',', 3);
    assert.deepEqual(table.rows, [['0'], ['1'], ['2']]);
    assert.equal(table.total, 1000);
  });

  it('an empty file has no header and no rows; a header alone has no rows', () => {
    assert.deepEqual(parseTable(''), { header: [], rows: [], total: 0 });
    assert.deepEqual(parseTable('a,b\n'), { header: ['a', 'b'], rows: [], total: 0 });
  });
});
