import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ema } from './ema.ts';

describe('ema', () => {
  it('returns the values when the weight is 0', () => {
    assert.deepEqual(ema([1, 2, NaN, 4], 0), [1, 2, null, 4]);
  });

  it('is debiased: a constant series stays constant from the first point', () => {
    for (const v of ema([5, 5, 5, 5], 0.9)) assert.ok(Math.abs((v ?? 0) - 5) < 1e-12);
  });

  it('smooths a step and keeps gaps as gaps without disturbing the average', () => {
    const smooth = ema([0, 0, null, 10, 10], 0.5);
    assert.equal(smooth[0], 0);
    assert.equal(smooth[2], null);
    // After the gap the average continues from the third real point: (0,0,10) with w=0.5.
    const expected = (0.5 * (0.5 * 0) + 0.5 * 10) / (1 - 0.5 ** 3);
    assert.ok(Math.abs((smooth[3] ?? 0) - expected) < 1e-12);
    assert.ok((smooth[4] ?? 0) > (smooth[3] ?? 0) && (smooth[4] ?? 0) < 10);
  });

  it('skips infinities', () => {
    assert.deepEqual(ema([1, Infinity, 1], 0.5), [1, null, 1]);
  });
});
