import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../core/errors.ts';
import type { DecodedPoints } from '../../core/metrics/chunk-codec.ts';
import { concatColumns, filterRange, mergeSorted, sortByStep, toSortedColumns } from './points.ts';

const cols = (steps: number[], values: number[] = steps.map((s) => s * 10)): DecodedPoints => ({
  steps: Float64Array.from(steps),
  values: Float64Array.from(values),
  times: Float64Array.from(steps.map((s) => 1000 + s)),
});
const plain = (p: DecodedPoints) => ({ steps: Array.from(p.steps), values: Array.from(p.values), times: Array.from(p.times) });

describe('points', () => {
  it('sorts a batch by step, stably, and validates it', () => {
    const sorted = toSortedColumns('k', { steps: [3, 1, 2, 1], values: [30, 10, 20, 11], times: [3, 1, 2, 1] });
    assert.deepEqual(plain(sorted), { steps: [1, 1, 2, 3], values: [10, 11, 20, 30], times: [1, 1, 2, 3] });
    assert.throws(() => toSortedColumns('k', { steps: [1, 2], values: [1], times: [1, 2] }), ValidationError);
    assert.throws(() => toSortedColumns('k', { steps: [NaN], values: [1], times: [1] }), ValidationError);
    assert.throws(() => toSortedColumns('k', { steps: [1], values: [1], times: [Infinity] }), ValidationError);
  });

  it('merges two sorted sets, the first winning ties', () => {
    const merged = mergeSorted(cols([1, 3, 5], [1, 3, 5]), cols([2, 3, 6], [2, -3, 6]));
    assert.deepEqual(Array.from(merged.steps), [1, 2, 3, 3, 5, 6]);
    assert.deepEqual(Array.from(merged.values), [1, 2, 3, -3, 5, 6]);
    assert.deepEqual(plain(mergeSorted(cols([1, 2]), cols([2, 3]))), plain(cols([1, 2, 2, 3])));
    assert.deepEqual(plain(mergeSorted(cols([]), cols([4]))), plain(cols([4])));
  });

  it('filters a range, concatenates and sorts', () => {
    assert.deepEqual(Array.from(filterRange(cols([1, 2, 3, 4]), 2, 3).steps), [2, 3]);
    const all = cols([1, 2]);
    assert.equal(filterRange(all, 0, 9), all);
    const joined = concatColumns([cols([5, 6]), cols([1, 7])]);
    assert.deepEqual(Array.from(sortByStep(joined).steps), [1, 5, 6, 7]);
  });
});
