import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffParams, flattenParams, goalFor } from './params-diff.ts';

describe('params diff', () => {
  it('flattens nested params to dotted keys', () => {
    assert.deepEqual(flattenParams({ lr: 0.1, opt: { name: 'adam', betas: [0.9, 0.99] }, tag: 'x' }), {
      lr: '0.1', 'opt.name': 'adam', 'opt.betas': '[0.9,0.99]', tag: 'x',
    });
  });

  it('lists differing keys first', () => {
    const rows = diffParams([{ lr: 0.1, bs: 32 }, { lr: 0.01, bs: 32, warmup: 100 }]);
    assert.deepEqual(rows, [
      { key: 'lr', values: ['0.1', '0.01'], differs: true },
      { key: 'warmup', values: ['', '100'], differs: true },
      { key: 'bs', values: ['32', '32'], differs: false },
    ]);
  });

  it('knows which metrics are better higher', () => {
    assert.equal(goalFor('loss'), 'min');
    assert.equal(goalFor('val/accuracy'), 'max');
    assert.equal(goalFor('eval_reward'), 'max');
    assert.equal(goalFor('perplexity'), 'min');
  });
});
