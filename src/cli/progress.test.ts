import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRateEstimator, formatRate, pickLossKey, renderBar, renderLine, type ProgressView } from './progress.ts';

const view: ProgressView = {
  jobId: 3,
  state: 'running',
  attempt: 1,
  step: 1200,
  total: 5000,
  rate: 12.3,
  etaSeconds: 308,
  loss: { key: 'loss', value: 0.531234 },
};

describe('progress view', () => {
  it('draws a bar with step/total, percent, loss, rate and ETA', () => {
    const line = renderBar(view, 120);
    assert.match(line, /^job 3 running \[█+░+\] 1,200\/5,000  24%  loss 0\.5312  12\.3 steps\/s  ETA 5m 08s$/);
    assert.ok(line.length <= 120);
  });

  it('fits narrow terminals and shows attempts after the first', () => {
    assert.ok(renderBar(view, 50).length <= 50);
    assert.match(renderBar({ ...view, attempt: 2 }, 200), /^job 3 running \(attempt 2\) \[/);
  });

  it('leaves the bar out without a total', () => {
    assert.equal(renderBar({ ...view, total: null, etaSeconds: null }, 120), 'job 3 running  step 1,200  loss 0.5312  12.3 steps/s');
  });

  it('writes plain lines for logs', () => {
    assert.equal(renderLine(view), 'job 3 running: step 1,200/5,000 (24%) · loss 0.5312 · 12.3 steps/s · ETA 5m 08s');
    assert.equal(renderLine({ ...view, step: null, rate: null, etaSeconds: null, loss: null }), 'job 3 running: waiting for the first step');
    assert.equal(renderLine({ ...view, state: 'succeeded', step: 5000 }), 'job 3 succeeded: step 5,000/5,000 (100%) · loss 0.5312 · 12.3 steps/s');
  });

  it('picks the loss metric to show', () => {
    assert.equal(pickLossKey(['acc', 'loss', 'val_loss']), 'loss');
    assert.equal(pickLossKey(['val_loss', 'train_loss']), 'train_loss');
    assert.equal(pickLossKey(['acc', 'val_loss']), 'val_loss');
    assert.equal(pickLossKey(['acc']), null);
  });

  it('formats rates', () => {
    assert.equal(formatRate(1234.4), '1,234');
    assert.equal(formatRate(12.34), '12.3');
    assert.equal(formatRate(0.4567), '0.46');
  });

  it('estimates a rate from observed steps', () => {
    const rate = createRateEstimator(10_000);
    assert.equal(rate.rate(), null);
    rate.observe(0, 0);
    rate.observe(1000, 10);
    rate.observe(2000, 30);
    assert.equal(rate.rate(), 15);
    rate.observe(3000, 5); // a restart from an earlier checkpoint resets the window
    assert.equal(rate.rate(), null);
  });
});
