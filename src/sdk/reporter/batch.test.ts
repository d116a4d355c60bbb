import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunkRows, encodeValue, formatLineValue, MAX_BATCH_KEYS, toColumnar, type Row } from './batch.ts';

describe('toColumnar', () => {
  it('groups rows by key, encoding non-finite values as the API strings', () => {
    const rows: Row[] = [
      { step: 1, time: 10, metrics: { loss: 0.5, acc: NaN } },
      { step: 2, time: 20, metrics: { loss: Infinity } },
      { step: 3, time: 30, metrics: { acc: -Infinity, 'bad key': 1 } },
    ];
    const refused: string[] = [];
    const batches = toColumnar(rows, (key) => (key === 'bad key' ? (refused.push(key), false) : true));
    assert.deepEqual(batches, [
      {
        loss: { steps: [1, 2], values: [0.5, 'Infinity'], times: [10, 20] },
        acc: { steps: [1, 3], values: ['NaN', '-Infinity'], times: [10, 30] },
      },
    ]);
    assert.deepEqual(refused, ['bad key']);
  });

  it(`splits batches at ${MAX_BATCH_KEYS} keys`, () => {
    const metrics = Object.fromEntries(Array.from({ length: MAX_BATCH_KEYS + 5 }, (_, i) => [`k${i}`, i]));
    const batches = toColumnar([{ step: 0, time: 0, metrics }], () => true);
    assert.deepEqual(batches.map((b) => Object.keys(b).length), [MAX_BATCH_KEYS, 5]);
  });
});

describe('chunkRows', () => {
  it('keeps whole rows and closes a chunk once it reaches the point limit', () => {
    const rows: Row[] = Array.from({ length: 5 }, (_, i) => ({ step: i, time: 0, metrics: { a: 1, b: 2 } }));
    assert.deepEqual(chunkRows(rows, 3).map((c) => c.map((r) => r.step)), [[0, 1], [2, 3], [4]]);
    assert.deepEqual(chunkRows([], 3), []);
  });
});

describe('value formats', () => {
  it('encodes for JSON and for the line protocol', () => {
    assert.deepEqual([1.5, NaN, Infinity, -Infinity].map(encodeValue), [1.5, 'NaN', 'Infinity', '-Infinity']);
    assert.deepEqual([1e-5, NaN, Infinity, -Infinity].map(formatLineValue), ['0.00001', 'nan', 'inf', '-inf']);
  });
});
