import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBufferBook, DEFAULT_BUFFER_LIMITS } from './metric-buffer.ts';

const run = { runId: 1, jobId: 10 };
const sdk = (keys = 2): Array<[string, number]> => Array.from({ length: keys }, (_, k) => [`k${k}`, 50]);

describe('metric buffer book', () => {
  it('folds when a key would fill its chunk: 20 SDK batches of 50 points', () => {
    const book = createBufferBook();
    for (let b = 0; b < 19; b++) {
      assert.equal(book.dueWith(1, sdk()), false, `batch ${b}`);
      book.buffered(run, sdk(), 0);
    }
    assert.equal(book.dueWith(1, sdk()), true, 'the 20th completes 1,000 points a key');
    book.folded(run, new Map([['k0', 1000], ['k1', 1000]]));
    assert.equal(book.dueWith(1, sdk()), false, 'full tails: the next chunk starts empty');
  });

  it('fills a partial tail chunk before folding again', () => {
    const book = createBufferBook();
    book.folded(run, new Map([['k0', 800]]));
    for (let b = 0; b < 3; b++) book.buffered(run, [['k0', 50]], 0);
    assert.equal(book.dueWith(1, [['k0', 50]]), true, '800 in chunk + 200 buffered fill it');
    assert.equal(book.dueWith(2, [['k0', 50]]), false, 'another run has its own tails');
  });

  it('folds at the row and point limits, and writes a large batch at once', () => {
    const book = createBufferBook({ ...DEFAULT_BUFFER_LIMITS, maxRows: 4, maxPoints: 300 });
    assert.equal(book.dueWith(1, [['a', DEFAULT_BUFFER_LIMITS.directBatchPoints]]), true);
    for (let b = 0; b < 3; b++) book.buffered(run, [[`k${b}`, 1]], 0);
    assert.equal(book.dueWith(1, [['k9', 1]]), true, 'a 4th row');
    const points = createBufferBook({ ...DEFAULT_BUFFER_LIMITS, maxPoints: 300 });
    points.buffered(run, Array.from({ length: 10 }, (_, k): [string, number] => [`k${k}`, 25]), 0);
    assert.equal(points.dueWith(1, Array.from({ length: 2 }, (_, k): [string, number] => [`k${k}`, 25])), true, '300 points');
  });

  it('finds buffers whose oldest batch is stale, and forgets a truncated job', () => {
    const book = createBufferBook({ ...DEFAULT_BUFFER_LIMITS, foldAfterMs: 1000 });
    book.buffered(run, sdk(), 5_000);
    book.buffered(run, sdk(), 5_900);
    book.buffered({ runId: 2, jobId: 11 }, sdk(), 5_500);
    assert.deepEqual(book.stale(5_999), []);
    assert.deepEqual(book.stale(6_000), [run]);
    assert.deepEqual(book.stale(6_500), [run, { runId: 2, jobId: 11 }]);
    book.folded(run, new Map());
    assert.deepEqual(book.stale(9_000), [{ runId: 2, jobId: 11 }]);
    book.foldedJob(11);
    assert.deepEqual(book.stale(9_000), []);
  });
});
