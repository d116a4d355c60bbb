import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appendPoint, fromResponse, mergeRange, positiveOnly } from './series.ts';

describe('series', () => {
  it('reads raw and bucketed responses, NaN strings as gaps', () => {
    assert.deepEqual(fromResponse({ steps: [1, 2], values: [0.5, 'NaN'] }), { x: [1, 2], line: [0.5, null], min: null, max: null });
    assert.deepEqual(fromResponse({ bucketed: true, steps: [10, 20], min: [1, 'Infinity'], max: [3, 4], last: [2, 4] }), {
      x: [10, 20], line: [2, 4], min: [1, null], max: [3, 4],
    });
  });

  it('appends live points and rewrites history from a resumed step', () => {
    let s = fromResponse({ bucketed: true, steps: [10, 20, 30], min: [1, 1, 1], max: [2, 2, 2], last: [1.5, 1.5, 1.5] });
    s = appendPoint(s, 31, 0.9);
    assert.deepEqual(s.x, [10, 20, 30, 31]);
    assert.deepEqual(s.min, [1, 1, 1, 0.9]);
    s = appendPoint(s, 20, 0.7);
    assert.deepEqual(s, { x: [10, 20], line: [1.5, 0.7], min: [1, 0.7], max: [2, 0.7] });
    const raw = appendPoint(fromResponse({ steps: [], values: [] }), 1, 5);
    assert.deepEqual(raw, { x: [1], line: [5], min: null, max: null });
  });

  it('merges a finer read of a range into a coarse read', () => {
    const coarse = fromResponse({ bucketed: true, steps: [100, 200, 300, 400], min: [1, 2, 3, 4], max: [5, 6, 7, 8], last: [2, 3, 4, 5] });
    const fine = fromResponse({ steps: [150, 160, 170], values: [2.1, 2.2, 2.3] });
    const merged = mergeRange(coarse, fine, 150, 250);
    assert.deepEqual(merged.x, [100, 150, 160, 170, 300, 400]);
    assert.deepEqual(merged.line, [2, 2.1, 2.2, 2.3, 4, 5]);
    assert.deepEqual(merged.min, [1, 2.1, 2.2, 2.3, 3, 4]);
    assert.deepEqual(merged.max, [5, 2.1, 2.2, 2.3, 7, 8]);
    const raw = mergeRange(fromResponse({ steps: [1, 5, 9], values: [1, 5, 9] }), fromResponse({ steps: [4, 5, 6], values: [4, 5, 6] }), 4, 6);
    assert.deepEqual(raw, { x: [1, 4, 5, 6, 9], line: [1, 4, 5, 6, 9], min: null, max: null });
  });

  it('drops values a log axis cannot draw', () => {
    assert.deepEqual(positiveOnly([1, 0, -1, null, 0.1]), [1, null, null, null, 0.1]);
  });
});
