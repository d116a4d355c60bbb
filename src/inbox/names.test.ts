import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fittingName, freeName, isCandidateName, MAX_MOVED_NAME_BYTES, splitName } from './names.ts';

describe('inbox names', () => {
  it('ignores dotfiles and names still being written', () => {
    for (const name of ['.data.jsonl', 'data.jsonl.tmp', 'data.jsonl.part', 'x.PART', '.']) assert.equal(isCandidateName(name), false, name);
    for (const name of ['data.jsonl', 'tmp.jsonl', 'part', 'data.partial']) assert.equal(isCandidateName(name), true, name);
  });

  it('splits a name at its first dot after the first character', () => {
    assert.deepEqual(splitName('data.jsonl.gz'), ['data', '.jsonl.gz']);
    assert.deepEqual(splitName('README'), ['README', '']);
    assert.deepEqual(splitName('.env'), ['.env', '']);
  });

  it('finds a free name with a numbered suffix, keeping the extension', () => {
    const taken = new Set(['a.jsonl', 'a-2.jsonl', 'b.jsonl.reason']);
    const isTaken = (n: string) => taken.has(n);
    assert.equal(freeName('c.jsonl', isTaken), 'c.jsonl');
    assert.equal(freeName('a.jsonl', isTaken), 'a-3.jsonl');
    assert.equal(freeName('b.jsonl', isTaken), 'b.jsonl', 'a companion alone does not count without companions');
    assert.equal(freeName('b.jsonl', isTaken, ['.reason']), 'b-2.jsonl', 'the .reason beside it must be free too');
    assert.equal(freeName('noext', (n) => n === 'noext'), 'noext-2');
  });

  it('shortens a name too long to move with its .reason companion, at a character, keeping the extension', () => {
    const long = `${'d'.repeat(240)}.jsonl`;
    const fitted = fittingName(long);
    assert.ok(Buffer.byteLength(fitted) <= MAX_MOVED_NAME_BYTES - 8, fitted);
    assert.match(fitted, /^d+~\.jsonl$/);
    assert.equal(freeName(long, () => false), fitted);
    assert.match(freeName(long, (n) => n === fitted), /^d+~-2\.jsonl$/);
    const wide = `${'é'.repeat(120)}😀.txt`;
    assert.doesNotMatch(fittingName(wide), /\uFFFD/, 'never cuts inside a character');
    assert.ok(Buffer.byteLength(`.${freeName(wide, () => false)}.reason.tmp`) <= 255);
    assert.equal(fittingName(`${'x'.repeat(230)}.${'e'.repeat(60)}`), `${'x'.repeat(MAX_MOVED_NAME_BYTES - 9)}~`, 'a long extension is dropped');
    assert.equal(fittingName('short.jsonl'), 'short.jsonl');
  });
});
