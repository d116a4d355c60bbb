/** `retention:` and `keepCheckpoints` in a job spec (docs/retention.md). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from './errors.ts';
import { parseJobSpec } from './job-spec.ts';

const base = { command: ['python3', 'train.py'], cwd: '/tmp' };

describe('job spec retention', () => {
  it('has no policy of its own unless it gives one: the global policy applies', () => {
    const spec = parseJobSpec(base);
    assert.equal(spec.retention, undefined);
    assert.equal(spec.keepCheckpoints, 3);
  });

  it('reads keepCheckpoints as the shorthand for keepLatest, and retention as given', () => {
    assert.deepEqual(parseJobSpec({ ...base, keepCheckpoints: 5 }).retention, { keepLatest: 5 });
    const retention = { keepLatest: 2, keepBest: { metric: 'heldout/score', goal: 'max', count: 3 }, keepEvery: 1000 };
    const spec = parseJobSpec({ ...base, retention });
    assert.deepEqual(spec.retention, retention);
    assert.equal(spec.keepCheckpoints, 2);
    assert.deepEqual(parseJobSpec({ ...base, retention: {} }).retention, {}, 'an empty policy: keep everything');
  });

  it('refuses both together, naming both and what came', () => {
    assert.throws(() => parseJobSpec({ ...base, keepCheckpoints: 3, retention: { keepLatest: 2 } }), (e: ValidationError) =>
      e.field === 'keepCheckpoints' && /give one of them, not both/.test(e.message) && /keepCheckpoints 3 and retention \{"keepLatest":2\}/.test(e.message));
  });

  it('refuses a malformed policy with the field that is wrong', () => {
    assert.throws(() => parseJobSpec({ ...base, retention: { keepBest: { metric: 'loss', goal: 'lowest', count: 2 } } }), (e: ValidationError) => e.field === 'retention.keepBest.goal');
    assert.throws(() => parseJobSpec({ ...base, retention: { keepLast: 2 } }), (e: ValidationError) => /retention/.test(e.field ?? '') && /keepLast/.test(e.message));
    assert.throws(() => parseJobSpec({ ...base, retention: { keepEvery: 0 } }), (e: ValidationError) => e.field === 'retention.keepEvery');
  });
});
