import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PayloadTooLargeError, ValidationError } from '../errors.ts';
import { BATCH_LIMITS, parseMetricBatch } from './batch.ts';

describe('parseMetricBatch', () => {
  it('reads the columnar form', () => {
    const b = parseMetricBatch({ batchId: 'a-1', series: { loss: { steps: [1, 2], values: [0.5, null], times: [10, 20] } } }, 99);
    assert.equal(b.batchId, 'a-1');
    assert.equal(b.points, 2);
    const loss = b.series.get('loss')!;
    assert.deepEqual(Array.from(loss.steps), [1, 2]);
    assert.ok(Number.isNaN(loss.values[1]));
    assert.deepEqual(Array.from(loss.times), [10, 20]);
    assert.equal(b.maxStep, 2);
  });

  it('reads the row form and fills in server time', () => {
    const b = parseMetricBatch({ rows: [{ step: 3, metrics: { loss: 0.7, acc: 'Infinity' } }, { step: 4, metrics: { loss: 0.6 } }] }, 1234);
    assert.deepEqual(Array.from(b.series.get('loss')!.steps), [3, 4]);
    assert.deepEqual(Array.from(b.series.get('loss')!.times), [1234, 1234]);
    assert.equal(b.series.get('acc')!.values[0], Infinity);
    assert.deepEqual(b.latest.loss, { step: 4, value: 0.6 });
  });

  const bad: Array<[string, unknown, string | null]> = [
    ['not an object', [1, 2], null],
    ['both forms', { series: {}, rows: [] }, null],
    ['mismatched lengths', { series: { loss: { steps: [1, 2], values: [1] } } }, 'series.loss.values'],
    ['a string value', { series: { loss: { steps: [1], values: ['x'] } } }, 'series.loss.values[0]'],
    ['a NaN step', { series: { loss: { steps: [null], values: [1] } } }, 'series.loss.steps[0]'],
    ['a bad key', { series: { 'lo ss': { steps: [1], values: [1] } } }, 'series.lo ss'],
    ['an unknown field', { series: {}, extra: 1 }, 'extra'],
    ['a row without metrics', { rows: [{ step: 1 }] }, 'rows[0].metrics'],
  ];
  for (const [name, body, field] of bad) {
    it(`refuses ${name}`, () => {
      assert.throws(() => parseMetricBatch(body, 0), (e: unknown) => e instanceof ValidationError && e.field === field);
    });
  }

  it('refuses an oversized batch', () => {
    const n = BATCH_LIMITS.maxPoints + 1;
    const steps = Array.from({ length: n }, (_, i) => i);
    assert.throws(() => parseMetricBatch({ series: { loss: { steps, values: steps } } }, 0), PayloadTooLargeError);
  });

  it('says the limit and how many came when a batch is too large', () => {
    const steps = Array.from({ length: BATCH_LIMITS.maxPoints + 5 }, (_, i) => i);
    assert.throws(() => parseMetricBatch({ series: { loss: { steps, values: steps } } }, 0), {
      message: 'a batch holds at most 1,000,000 points, this one has at least 1,000,005: split it into smaller batches',
    });
    const series = Object.fromEntries(Array.from({ length: BATCH_LIMITS.maxKeys + 1 }, (_, i) => [`k${i}`, { steps: [1], values: [1] }]));
    assert.throws(() => parseMetricBatch({ series }, 0), { message: /at most 1,000 keys; series\.k1000 is key 1,001/ });
  });

  it('refuses deeply nested values by their shape, naming the first wrong place', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}1${']'.repeat(100_000)}`);
    assert.throws(() => parseMetricBatch({ series: { loss: { steps: [1], values: [deep] } } }, 0), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.field, 'series.loss.values[0]');
      return true;
    });
    assert.throws(() => parseMetricBatch({ rows: [{ step: 1, metrics: { loss: deep } }] }, 0), { message: /^rows\[0\]\.metrics\.loss: values must be numbers/ });
    assert.throws(() => parseMetricBatch({ batchId: deep, series: {} }, 0), { message: /^batchId: must be a string/ });
  });
});

describe('reserved keys', () => {
  it('refuses the metric key __proto__, which would become an object prototype downstream', () => {
    assert.throws(() => parseMetricBatch(JSON.parse('{"series":{"__proto__":{"steps":[1],"values":[1]}}}'), 0), /the metric key __proto__ is reserved/);
  });
});
