import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canOverride, describeThreshold, diffFor, direction, formatChange, formatSigned } from './evaluation-view.ts';

describe('evaluation view', () => {
  it('signs deltas and relative changes', () => {
    assert.deepEqual([formatSigned(0.7), formatSigned(-0.1), formatSigned(0), formatSigned(null)], ['+0.7', '-0.1', '0', '–']);
    assert.deepEqual([formatChange(0.7), formatChange(-0.1), formatChange(0.004), formatChange(-0.123), formatChange(null)], ['+70 %', '-10 %', '+0.4 %', '-12 %', '']);
  });

  it('tells whether a change went the better way for the goal', () => {
    assert.deepEqual([direction('min', -0.2), direction('min', 0.2), direction('max', 0.2), direction('max', -0.2), direction('max', 0), direction('min', null)], ['better', 'worse', 'better', 'worse', 'same', null]);
  });

  it('says what a threshold asks', () => {
    assert.equal(describeThreshold({ goal: 'min', threshold: { change: { relative: -0.2 } } }), 'change ≤ -20 %');
    assert.equal(describeThreshold({ goal: 'max', threshold: { value: { lower: 0.8 }, change: { absolute: -0.01 } } }), '≥ 0.8; change ≥ -0.01');
    assert.equal(describeThreshold({ goal: 'max', threshold: {} }), '');
  });

  it('offers "promote anyway" only for a finished, unpromotable, not yet overridden evaluation', () => {
    assert.equal(canOverride({ state: 'done', promotable: false, override: null }), true);
    assert.equal(canOverride({ state: 'done', promotable: true, override: null }), false);
    assert.equal(canOverride({ state: 'running', promotable: false, override: null }), false);
    assert.equal(canOverride({ state: 'done', promotable: true, override: { by: 'ana', reason: 'x' } }), false);
  });

  it("takes a metric's diff from the result, or makes one from the board's baseline", () => {
    const diff = { metric: 'loss', goal: 'min' as const, value: 0.3, baseline: 1, absolute: -0.7, relative: -0.7, threshold: {}, failed: null };
    assert.equal(diffFor({ name: 'loss', goal: 'min' }, [diff], {}, null), diff);
    assert.deepEqual(diffFor({ name: 'acc', goal: 'max' }, [diff], { acc: 0.5 }, { acc: 0.25 }), {
      metric: 'acc', goal: 'max', value: 0.5, baseline: 0.25, absolute: 0.25, relative: 1, threshold: {}, failed: null,
    });
    assert.deepEqual(diffFor({ name: 'acc', goal: 'max' }, [], { acc: 0.5 }, { acc: 0 }).relative, null);
  });
});
