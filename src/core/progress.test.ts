import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_PROGRESS, observeStep, setTotal, toProgress } from './progress.ts';

describe('progress', () => {
  it('computes rate and ETA from observed steps', () => {
    let p = setTotal(EMPTY_PROGRESS, 1000);
    p = observeStep(p, 100, 0);
    p = observeStep(p, 200, 10_000);
    const out = toProgress(p);
    assert.equal(out.rate, 10);
    assert.equal(out.etaSeconds, 80);
  });
  it('unknown until two samples', () => {
    assert.equal(toProgress(observeStep(EMPTY_PROGRESS, 5, 0)).rate, null);
  });
  it('a resume restarts the window', () => {
    let p = observeStep(observeStep(EMPTY_PROGRESS, 100, 0), 200, 1000);
    p = observeStep(p, 150, 2000);
    assert.equal(p.step, 150);
    assert.equal(toProgress(p).rate, null);
  });
});
