import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appendLog, byteLength, EMPTY_LOG, planLogEvent, searchLog } from './log-buffer.ts';

describe('log buffer', () => {
  it('splits bytes into lines and keeps a partial line for later', () => {
    let b = appendLog(EMPTY_LOG, 'one\ntw', 6);
    assert.deepEqual(b, { lines: ['one'], partial: 'tw', offset: 6, dropped: 0 });
    b = appendLog(b, 'o\nthree\n', 14);
    assert.deepEqual(b, { lines: ['one', 'two', 'three'], partial: '', offset: 14, dropped: 0 });
  });

  it('keeps only the last lines, counting what it dropped', () => {
    const b = appendLog(appendLog(EMPTY_LOG, 'a\nb\nc\n', 6, 2), 'd\n', 8, 2);
    assert.deepEqual(b.lines, ['c', 'd']);
    assert.equal(b.dropped, 2);
    assert.deepEqual(searchLog(b, 'D'), [{ n: 4, line: 'd' }]);
  });

  it('appends events that continue the buffer and fetches gaps', () => {
    const b = appendLog(EMPTY_LOG, 'héllo\n', byteLength('héllo\n'));
    assert.equal(b.offset, 7);
    assert.equal(planLogEvent(b, 'next\n', 12), 'append');
    assert.equal(planLogEvent(b, 'later\n', 40), 'fetch');
    assert.equal(planLogEvent(b, 'héllo\n', 7), 'ignore');
  });
});
