import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_PROGRESS, observeStep, setTotal, STATUS_MESSAGE_MAX, statusMessage, toProgress } from './progress.ts';

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
  it('keeps a status message as it came, up to its limit', () => {
    assert.equal(statusMessage('Training epoch 2/3'), 'Training epoch 2/3');
    const long = statusMessage('é'.repeat(STATUS_MESSAGE_MAX + 5));
    assert.equal([...long].length, STATUS_MESSAGE_MAX);
    assert.ok(long.endsWith('…'));
    assert.equal(statusMessage('😀'.repeat(STATUS_MESSAGE_MAX)), '😀'.repeat(STATUS_MESSAGE_MAX), 'counted in characters, not UTF-16 units');
  });
});
