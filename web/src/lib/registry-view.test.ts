import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeMove, describeRule } from './registry-view.ts';

describe('registry view', () => {
  it('describes a promotion rule in words', () => {
    assert.equal(describeRule(null), 'manual only');
    assert.equal(describeRule({ alias: 'production', margin: 0, relative: false }), 'production when the score beats it');
    assert.equal(describeRule({ alias: 'production', margin: 0.05, relative: false, suite: 'heldout' }), 'production when the score beats it by 0.05 (suite heldout)');
    assert.equal(describeRule({ alias: 'staging', margin: 0.02, relative: true, suite: null, jobTag: 'nightly' }), 'staging when the score beats it by 2 % (jobs tagged nightly)');
  });

  it('describes an alias move', () => {
    assert.deepEqual([describeMove(null, 1), describeMove(1, 2), describeMove(2, null)], ['unset → v1', 'v1 → v2', 'v2 → deleted']);
  });
});
