import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from './errors.ts';
import { canonicalJson, parseEvalSuite, sameSuite } from './eval-suite.ts';

const base = { name: 'heldout', command: ['python3', 'eval.py'], cwd: '/work', metrics: [{ name: 'loss', goal: 'min' }] };

/** The field and message of the ValidationError `input` is refused with. */
function refusal(input: unknown): { field: string | null; message: string } {
  try {
    parseEvalSuite(input);
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    assert.equal(error.code, 'invalid_suite');
    return { field: error.field, message: error.message };
  }
  assert.fail('accepted');
}

describe('parseEvalSuite', () => {
  it('fills in the defaults', () => {
    assert.deepEqual(parseEvalSuite(base), {
      name: 'heldout', description: null, command: ['python3', 'eval.py'], shell: false, cwd: '/work', env: {},
      resources: { gpus: 0, cpus: 1 }, timeLimitSeconds: null, maxRetries: 1,
      metrics: [{ name: 'loss', goal: 'min' }], baseline: null, regression: { tolerance: 0.15 },
    });
    const shell = parseEvalSuite({ ...base, command: 'python3 eval.py | tee out', resources: { gpus: 1 }, baseline: { values: { loss: 2.3 } } });
    assert.deepEqual([shell.shell, shell.command, shell.resources, shell.baseline], [true, ['python3 eval.py | tee out'], { gpus: 1, cpus: 0 }, { label: 'baseline', values: { loss: 2.3 }, model: null }]);
  });

  it('keeps thresholds, weights and datasets as given', () => {
    const suite = parseEvalSuite({
      ...base,
      datasets: { eval: 'heldout@2' },
      metrics: [{ name: 'loss', goal: 'min', change: { relative: 0.05 }, weight: 1 }, { name: 'accuracy', goal: 'max', value: { lower: 0.5 }, weight: 3 }],
      baseline: { label: 'random policy', values: { loss: 2.3, accuracy: 0.1 } },
      regression: { tolerance: 0.3 },
    });
    assert.deepEqual(suite.metrics, [{ name: 'loss', goal: 'min', change: { relative: 0.05 }, weight: 1 }, { name: 'accuracy', goal: 'max', value: { lower: 0.5 }, weight: 3 }]);
    assert.deepEqual([suite.datasets, suite.regression.tolerance, suite.baseline?.label], [{ eval: 'heldout@2' }, 0.3, 'random policy']);
  });

  it('names the field, what was expected and what came', () => {
    assert.deepEqual(refusal({ ...base, metrics: [{ name: 'loss', goal: 'lower' }] }).field, 'metrics.0.goal');
    assert.match(refusal({ ...base, metrics: [{ name: 'loss', goal: 'lower' }] }).message, /min.*max/);
    assert.equal(refusal({ ...base, metrics: [] }).field, 'metrics');
    assert.equal(refusal({ ...base, cwd: 'rel' }).field, 'cwd');
    assert.equal(refusal({ ...base, name: 'has space' }).field, 'name');
    assert.equal(refusal({ ...base, metricz: [] }).field, 'metricz');
    const dup = refusal({ ...base, metrics: [{ name: 'loss', goal: 'min' }, { name: 'loss', goal: 'max' }] });
    assert.deepEqual([dup.field, /already metrics\.0/.test(dup.message)], ['metrics.1.name', true]);
    assert.equal(refusal({ ...base, metrics: [{ name: 'loss', goal: 'min', value: { lower: 2, upper: 1 } }] }).field, 'metrics.0.value');
    assert.equal(refusal({ ...base, metrics: [{ name: 'loss', goal: 'min', change: {} }] }).field, 'metrics.0.change');
    assert.equal(refusal({ ...base, metrics: [{ name: 'loss', goal: 'min', weight: 0 }] }).field, 'metrics.0.weight');
    const stray = refusal({ ...base, baseline: { values: { acc: 1 } } });
    assert.deepEqual([stray.field, /not a metric of the suite \(metrics: loss\)/.test(stray.message)], ['baseline.values.acc', true]);
    assert.equal(refusal({ ...base, baseline: { values: { loss: 1 }, model: 'chat@production' } }).field, 'baseline');
    assert.equal(refusal({ ...base, baseline: { label: 'x' } }).field, 'baseline');
    assert.equal(refusal({ ...base, env: { TRAINYARD_EVAL_SUITE: 'x' } }).field, 'env.TRAINYARD_EVAL_SUITE');
    assert.equal(refusal({ ...base, datasets: { eval: 'heldout@0' } }).field, 'datasets.eval');
    assert.equal(refusal({ ...base, command: 'x', shell: false }).field, 'command');
  });

  it('tells the same definition from a changed one, whatever the key order', () => {
    const a = parseEvalSuite(base);
    const b = parseEvalSuite({ metrics: [{ goal: 'min', name: 'loss' }], cwd: '/work', command: ['python3', 'eval.py'], name: 'heldout' });
    assert.equal(sameSuite(a, b), true);
    assert.equal(sameSuite(a, parseEvalSuite({ ...base, maxRetries: 2 })), false);
    assert.equal(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] }), '{"a":[{"c":2,"d":1}],"b":1}');
  });
});
