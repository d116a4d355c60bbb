import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BucketedSeries, Checkpoint } from '../../core/types.ts';
import { alignBuckets, bestCheckpoint } from './compare.ts';

const series = (steps: number[], last: number[]): BucketedSeries => ({ key: 'loss', steps, min: last, max: last, last, count: steps.map(() => 1) });

describe('compare', () => {
  it('lays buckets of several jobs on shared columns, dropping columns no job fills', () => {
    // [0, 100] in 10 buckets of width 10: step 5 → 0, 15 → 1, 95 and 100 → 9.
    const a = series([5, 15, 100], [1, 2, 3]);
    const b = series([9, 55], [4, NaN]);
    const { steps, columns } = alignBuckets([a, null, b], { from: 0, to: 100, buckets: 10 });
    assert.deepEqual(steps, [9, 15, 55, 100]);
    assert.deepEqual(columns[0].last, [1, 2, null, 3]);
    assert.deepEqual(columns[1].last, [null, null, null, null]);
    assert.deepEqual(columns[2].last, [4, null, null, null], 'NaN is a gap');
  });

  it('copes with a single-step range and no data', () => {
    assert.deepEqual(alignBuckets([series([7], [1])], { from: 7, to: 7, buckets: 100 }).steps, [7]);
    assert.deepEqual(alignBuckets([null], null), { steps: [], columns: [{ min: [], max: [], last: [] }] });
  });

  it('picks the best kept checkpoint by a metric, later steps winning ties', () => {
    const cp = (id: number, step: number, loss: number | undefined, deleted = false): Checkpoint => ({
      id, jobId: 1, runId: 1, step, path: `/c/${id}`, bytes: 1, metrics: loss === undefined ? {} : { loss }, createdAt: 0, deleted,
    });
    const list = [cp(1, 10, 0.5), cp(2, 20, 0.2, true), cp(3, 30, 0.3), cp(4, 40, 0.3), cp(5, 50, undefined)];
    assert.equal(bestCheckpoint(list, 'loss', 'min')?.id, 4);
    assert.equal(bestCheckpoint(list, 'loss', 'max')?.id, 1);
    assert.equal(bestCheckpoint(list, 'acc', 'max'), null);
  });
});

describe('compare: rounding', () => {
  it('keeps significant digits and prints short', async () => {
    const { roundTo } = await import('./compare.ts');
    assert.equal(roundTo(0.43847293847, 6), 0.438473);
    assert.equal(JSON.stringify(roundTo(0.43847293847, 6)), '0.438473');
    assert.equal(roundTo(1234567.89, 3), 1230000);
    assert.equal(roundTo(-0.000012345678, 4), -0.00001235);
    assert.equal(roundTo(0, 6), 0);
    assert.equal(roundTo(NaN, 6), null);
    assert.equal(roundTo(Infinity, 6), null);
  });
});
