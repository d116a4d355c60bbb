import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from './errors.ts';
import { parseJobSpec } from './job-spec.ts';
import { checkStopWhen } from './stop-when.ts';

describe('checkStopWhen', () => {
  it('finds the first point below the target, strictly', () => {
    const spec = { metric: 'val_loss', below: 0.45 };
    assert.equal(checkStopWhen(spec, [100, 200], [0.6, 0.45]), null, 'equal is not below');
    assert.deepEqual(checkStopWhen(spec, [100, 200, 300], [0.5, 0.43, 0.4]), { step: 200, value: 0.43, detail: 'stopWhen: val_loss 0.43 < 0.45 at step 200' });
  });

  it('finds a point above the target, and ignores NaN and infinities', () => {
    const spec = { metric: 'acc', above: 0.8 };
    assert.equal(checkStopWhen(spec, [1, 2], [NaN, Infinity]), null);
    assert.equal(checkStopWhen(spec, [1, 2, 3], [0.5, NaN, 0.81])?.detail, 'stopWhen: acc 0.81 > 0.8 at step 3');
  });
});

describe('stopWhen in a job spec', () => {
  const base = { command: ['true'], cwd: '/' };
  it('is kept as declared; absent when not declared', () => {
    assert.deepEqual(parseJobSpec({ ...base, stopWhen: { metric: 'val_loss', below: 0.45 } }).stopWhen, { metric: 'val_loss', below: 0.45 });
    assert.equal('stopWhen' in parseJobSpec(base), false);
  });

  it('needs exactly one of below and above, and a metric', () => {
    for (const [stopWhen, field, message] of [
      [{ metric: 'loss' }, 'stopWhen', /exactly one of below or above \(came neither\)/],
      [{ metric: 'loss', below: 1, above: 2 }, 'stopWhen', /came both/],
      [{ below: 1 }, 'stopWhen.metric', /is required/],
      [{ metric: 'loss', below: '1' }, 'stopWhen.below', /expected a number, got the string "1"/],
    ] as const) {
      assert.throws(() => parseJobSpec({ ...base, stopWhen }), (e: unknown) => e instanceof ValidationError && e.field === field && message.test(e.message), JSON.stringify(stopWhen));
    }
  });
});
