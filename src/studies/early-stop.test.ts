import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { valueAtStep } from './early-stop.ts';

describe('valueAtStep', () => {
  const series = { steps: [3, 5, 9], values: [30, 50, 90] };
  it('is the last value at a step <= the step, once the series reached it', () => {
    assert.equal(valueAtStep(series, 5), 50);
    assert.equal(valueAtStep(series, 8), 50);
    assert.equal(valueAtStep(series, 9), 90);
    assert.equal(valueAtStep(series, 10), null, 'not reached yet: not fixed');
    assert.equal(valueAtStep(series, 1), 30, 'a rung before the first point takes the first value');
    assert.equal(valueAtStep({ steps: [], values: [] }, 1), null);
  });
});
