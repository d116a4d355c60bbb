import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from './errors.ts';
import { parseJobSpec } from './job-spec.ts';
import { effectiveParams, planCudaOomRetry } from './remedies.ts';
import type { CudaOomRemedy } from './types.ts';

const remedy: CudaOomRemedy = {
  patch: { batch_size: { multiply: 0.5, min: 1, round: true }, grad_accum: { multiply: 2, max: 64 } },
  maxTimes: 3,
};

describe('planCudaOomRetry', () => {
  it('halves the batch and doubles the accumulation, applied to the params of the run that failed', () => {
    const plan = planCudaOomRetry(remedy, { batch_size: 16, grad_accum: 2, lr: 0.1 }, 0);
    assert.deepEqual(plan, { retry: true, params: { batch_size: 8, grad_accum: 4 }, changes: 'batch_size 16 → 8, grad_accum 2 → 4' });
  });

  it('rounds when asked, to the nearest integer', () => {
    const plan = planCudaOomRetry(remedy, { batch_size: 3, grad_accum: 1 }, 1);
    assert.deepEqual(plan.retry && plan.params, { batch_size: 2, grad_accum: 2 });
  });

  it('gives up once maxTimes patched retries were made', () => {
    const plan = planCudaOomRetry(remedy, { batch_size: 2, grad_accum: 8 }, 3);
    assert.deepEqual(plan, { retry: false, reason: 'cuda-oom: gave up after 3 patched retries (remedies.cudaOom.maxTimes 3)' });
  });

  it('gives up when a param would leave its bounds, before or after rounding, naming it', () => {
    const below = planCudaOomRetry({ ...remedy, maxTimes: 5 }, { batch_size: 1, grad_accum: 8 }, 3);
    assert.deepEqual(below, { retry: false, reason: 'cuda-oom: batch_size would go below its min 1 (1 → 0.5, rounded 1) after 3 patched retries' });
    const above = planCudaOomRetry(remedy, { batch_size: 8, grad_accum: 64 }, 1);
    assert.deepEqual(above, { retry: false, reason: 'cuda-oom: grad_accum would go above its max 64 (64 → 128) after 1 patched retry' });
  });

  it('gives up when a param would not move, or is not a number', () => {
    const still = planCudaOomRetry({ patch: { workers: { add: 0.2, round: true } }, maxTimes: 3 }, { workers: 4 }, 0);
    assert.equal(still.retry, false);
    assert.match(!still.retry ? still.reason : '', /^cuda-oom: workers would stay 4 \(4 → 4.2, rounded 4\) on the first patch/);
    const text = planCudaOomRetry(remedy, { batch_size: 'big', grad_accum: 1 }, 0);
    assert.deepEqual(text, { retry: false, reason: 'cuda-oom: params.batch_size is the string "big", not a number the patch can change' });
  });

  it('adds, and keeps decimal arithmetic readable', () => {
    const plan = planCudaOomRetry({ patch: { lr: { add: 0.1 }, frac: { multiply: 3 } }, maxTimes: 2 }, { lr: 0.2, frac: 0.1 }, 0);
    assert.deepEqual(plan.retry && plan.params, { lr: 0.3, frac: 0.3 });
  });
});

describe('effectiveParams', () => {
  it('is the spec params with the override over them', () => {
    const spec = parseJobSpec({ command: ['true'], cwd: '/', params: { a: 1, b: 2 } });
    assert.deepEqual(effectiveParams({ spec, paramsOverride: { b: 3 } }), { a: 1, b: 3 });
    assert.deepEqual(effectiveParams({ spec, paramsOverride: null }), { a: 1, b: 2 });
  });
});

describe('remedies in a job spec', () => {
  const base = { command: ['true'], cwd: '/', params: { batch_size: 32, grad_accum: 1 } };
  const refused = (input: unknown): ValidationError => {
    try {
      parseJobSpec(input);
    } catch (error) {
      assert.ok(error instanceof ValidationError);
      return error;
    }
    assert.fail('accepted');
  };

  it('is kept as declared, with maxTimes defaulting to 3; absent when not declared', () => {
    const spec = parseJobSpec({ ...base, remedies: { cudaOom: { patch: { batch_size: { multiply: 0.5, min: 1, round: true } } } } });
    assert.deepEqual(spec.remedies, { cudaOom: { patch: { batch_size: { multiply: 0.5, min: 1, round: true } }, maxTimes: 3 } });
    assert.equal('remedies' in parseJobSpec(base), false);
  });

  it('refuses a patch with neither or both operations, naming the field', () => {
    const neither = refused({ ...base, remedies: { cudaOom: { patch: { batch_size: { min: 1 } } } } });
    assert.equal(neither.field, 'remedies.cudaOom.patch.batch_size');
    assert.match(neither.message, /exactly one of multiply or add \(came neither\)/);
    const both = refused({ ...base, remedies: { cudaOom: { patch: { batch_size: { multiply: 0.5, add: -1 } } } } });
    assert.match(both.message, /came both/);
  });

  it('refuses a patch of a param that is not a number in params', () => {
    const error = refused({ ...base, remedies: { cudaOom: { patch: { micro_batch: { multiply: 0.5 } } } } });
    assert.equal(error.field, 'remedies.cudaOom.patch.micro_batch');
    assert.match(error.message, /params\.micro_batch, which must be a number in params; got nothing/);
  });

  it('refuses min above max, a zero factor, an unknown field and an unknown remedy', () => {
    assert.equal(refused({ ...base, remedies: { cudaOom: { patch: { batch_size: { multiply: 0.5, min: 8, max: 4 } } } } }).field, 'remedies.cudaOom.patch.batch_size.min');
    assert.equal(refused({ ...base, remedies: { cudaOom: { patch: { batch_size: { multiply: 0 } } } } }).field, 'remedies.cudaOom.patch.batch_size.multiply');
    assert.match(refused({ ...base, remedies: { cudaOom: { patch: { batch_size: { mutliply: 0.5 } } } } }).message, /unknown field mutliply/);
    assert.match(refused({ ...base, remedies: { cudaOOM: {} } }).message, /unknown field cudaOOM/);
    assert.equal(refused({ ...base, remedies: { cudaOom: { patch: { batch_size: { multiply: 0.5 } }, maxTimes: 0 } } }).field, 'remedies.cudaOom.maxTimes');
  });
});
