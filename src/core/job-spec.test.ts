import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from './errors.ts';
import { parseJobSpec } from './job-spec.ts';

const base = { command: ['python3', 'train.py', '--lr', '0.1'], cwd: '/tmp' };

describe('parseJobSpec', () => {
  it('fills defaults and names the job after its script', () => {
    const spec = parseJobSpec(base);
    assert.equal(spec.name, 'train.py');
    assert.equal(spec.shell, false);
    assert.deepEqual(spec.resources, { gpus: 0, cpus: 1 });
    assert.equal(spec.maxRetries, 3);
    assert.equal(spec.keepCheckpoints, 3);
    assert.equal(spec.stopGraceSeconds, 30);
  });

  it('a string command is a shell script', () => {
    const spec = parseJobSpec({ command: 'echo hi && sleep 1', cwd: '/tmp' });
    assert.equal(spec.shell, true);
    assert.deepEqual(spec.command, ['echo hi && sleep 1']);
  });

  it('GPU jobs take no CPU slot unless asked', () => {
    assert.deepEqual(parseJobSpec({ ...base, resources: { gpus: 2 } }).resources, { gpus: 2, cpus: 0 });
  });

  it('reads priorities as a class, a number or both', () => {
    assert.deepEqual(parseJobSpec(base).priority, { class: 'normal', value: 0 });
    assert.deepEqual(parseJobSpec({ ...base, priority: 'high' }).priority, { class: 'high', value: 0 });
    assert.deepEqual(parseJobSpec({ ...base, priority: 5 }).priority, { class: 'normal', value: 5 });
    assert.deepEqual(parseJobSpec({ ...base, priority: { class: 'low', value: -2 } }).priority, { class: 'low', value: -2 });
  });

  it('has watchdogs on by default, and lets them be turned off', () => {
    assert.deepEqual(parseJobSpec(base).watchdog, { stuckSeconds: 3600, divergence: { metric: 'loss', factor: null, retryWithParams: null } });
    assert.deepEqual(parseJobSpec({ ...base, watchdog: { stuckSeconds: null, divergence: null } }).watchdog, { stuckSeconds: null, divergence: null });
  });

  it('takes datasets by role, defaulting their depth to standard, and omits both when none', () => {
    const spec = parseJobSpec({ ...base, datasets: { train: 'chat-v3@2', eval: 'suite' } });
    assert.deepEqual(spec.datasets, { train: 'chat-v3@2', eval: 'suite' });
    assert.equal(spec.datasetLevel, 'standard');
    assert.equal(parseJobSpec({ ...base, datasets: { train: 'a' }, datasetLevel: 'deep' }).datasetLevel, 'deep');
    assert.equal('datasets' in parseJobSpec(base), false);
    assert.equal('datasetLevel' in parseJobSpec({ ...base, datasets: {} }), false);
  });

  it('keeps from: as declared, and leaves it out when absent', () => {
    assert.equal(parseJobSpec({ ...base, from: 'model:chat@production' }).from, 'model:chat@production');
    assert.deepEqual(parseJobSpec({ ...base, from: { job: 12, pick: 'best', metric: 'acc', goal: 'max' } }).from, { job: 12, pick: 'best', metric: 'acc', goal: 'max' });
    assert.deepEqual(parseJobSpec({ ...base, from: { checkpoint: 345 } }).from, { checkpoint: 345 });
    assert.equal('from' in parseJobSpec(base), false);
  });

  it('coerces env numbers to strings', () => {
    assert.deepEqual(parseJobSpec({ ...base, env: { SEED: 1 } }).env, { SEED: '1' });
  });

  const invalid: Array<[string, unknown, string]> = [
    ['missing command', { cwd: '/tmp' }, 'command'],
    ['relative cwd', { ...base, cwd: 'here' }, 'cwd'],
    ['negative gpus', { ...base, resources: { gpus: -1 } }, 'resources.gpus'],
    ['fractional retries', { ...base, maxRetries: 1.5 }, 'maxRetries'],
    ['unknown field', { ...base, maxretries: 2 }, 'maxretries'],
    ['unknown nested field', { ...base, resources: { gpu: 1 } }, 'resources.gpu'],
    ['reserved env', { ...base, env: { TRAINYARD_TOKEN: 'x' } }, 'env.TRAINYARD_TOKEN'],
    ['string command without shell', { ...base, command: 'ls', shell: false }, 'command'],
    ['empty argv', { ...base, command: [] }, 'command'],
    ['unknown priority class', { ...base, priority: 'urgent' }, 'priority'],
    ['a divergence factor of 1', { ...base, watchdog: { divergence: { factor: 1 } } }, 'watchdog.divergence.factor'],
    ['a dependency on job 0', { ...base, after: [0] }, 'after.0'],
    ['a dataset reference with version 0', { ...base, datasets: { train: 'chat@0' } }, 'datasets.train'],
    ['a dataset reference with two @', { ...base, datasets: { train: 'a@b@1' } }, 'datasets.train'],
    ['an upper-case dataset role', { ...base, datasets: { Train: 'chat' } }, 'datasets.Train'],
    ['an unknown dataset level', { ...base, datasets: { train: 'chat' }, datasetLevel: 'thorough' }, 'datasetLevel'],
    ['a dataset level without datasets', { ...base, datasetLevel: 'deep' }, 'datasetLevel'],
    ['from: a job id that is not a positive integer', { ...base, from: { job: 0 } }, 'from.job'],
    ['from: an unknown pick', { ...base, from: { job: 3, pick: 'worst' } }, 'from.pick'],
    ['from: a metric without pick best', { ...base, from: { job: 3, metric: 'acc' } }, 'from.pick'],
    ['from: an unknown field', { ...base, from: { job: 3, step: 5 } }, 'from.step'],
    ['from: a string that is no reference', { ...base, from: 'chat@production' }, 'from'],
    ['from: a number', { ...base, from: 12 }, 'from'],
  ];
  for (const [name, input, field] of invalid) {
    it(`refuses ${name}, naming ${field}`, () => {
      assert.throws(() => parseJobSpec(input), (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.equal(error.field, field);
        assert.equal(error.code, 'invalid_spec');
        return true;
      });
    });
  }

  /** The ValidationError parseJobSpec throws for `input`. */
  function refusal(input: unknown): ValidationError {
    try {
      parseJobSpec(input);
    } catch (error) {
      assert.ok(error instanceof ValidationError, String(error));
      return error;
    }
    assert.fail('expected a ValidationError');
  }

  it('says what was expected and what came', () => {
    assert.equal(refusal({ ...base, resources: { gpus: 'two' } }).message, 'resources.gpus: expected a number, got the string "two"');
    assert.equal(refusal({ ...base, resources: { gpus: 100 } }).message, 'resources.gpus: must be at most 64, got the number 100');
    assert.equal(refusal({ cwd: '/tmp' }).message, 'command: is required (expected a string or an array)');
    assert.equal(refusal({ ...base, command: 5 }).message, 'command: expected a string or an array, got the number 5');
    assert.equal(refusal({ ...base, cwd: 'here' }).message, 'cwd: must be an absolute path, got the string "here"');
    const priority = refusal({ ...base, priority: { class: 'urgent' } });
    assert.equal(priority.field, 'priority.class');
    assert.match(priority.message, /expected one of "high"\|"normal"\|"low", got the string "urgent"/);
  });

  it('says what a from: reference should look like', () => {
    assert.equal(refusal({ ...base, from: 'chat@production' }).message,
      'from: expected model:NAME@ALIAS, model:NAME:VERSION, model:NAME, job:N[:best] or checkpoint:N, got the string "chat@production"');
    assert.equal(refusal({ ...base, from: { job: 3, metric: 'acc' } }).message, 'from.pick: metric and goal choose the best checkpoint: they need pick: best, got an object');
    assert.match(refusal({ ...base, from: 12 }).message, /^from: expected a string or an object, got the number 12$/);
  });

  it('refuses params nested deeper than the limit, naming the field, the depth and the limit', () => {
    const params = JSON.parse(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`);
    const error = refusal({ ...base, params });
    assert.equal(error.field, 'params');
    assert.equal(error.message, 'params: nested 5000 levels deep; the limit is 64');
    assert.equal(error.code, 'invalid_spec');
  });

  it('refuses a "__proto__" key, naming it', () => {
    const error = refusal(JSON.parse(`{"command": ["x"], "cwd": "/tmp", "params": {"__proto__": {"polluted": true}}}`));
    assert.equal(error.field, 'params.__proto__');
    assert.match(error.message, /the key "__proto__" is refused/);
  });

  it('refuses job names with control characters or bidirectional overrides', () => {
    for (const [name, char] of [['x\u202Eyz', 'U+202E'], ['a\u0000b', 'U+0000'], ['red\u001b[31m', 'U+001B']]) {
      const error = refusal({ ...base, name });
      assert.equal(error.field, 'name');
      assert.match(error.message, new RegExp(`^name: contains ${char.replace('+', '\\+')} .*control characters or bidirectional overrides`));
      assert.doesNotMatch(error.message, /[\u0000-\u001f\u202e]/, 'the message itself is safe to print');
    }
    assert.equal(parseJobSpec({ ...base, name: '  sweep/lr=0.1 (seed 3)  ' }).name, 'sweep/lr=0.1 (seed 3)');
    assert.match(refusal({ ...base, name: 'n'.repeat(201) }).message, /^name: must be at most 200 characters long, got 201 characters/);
  });

  it('names a job after its script without the characters a name may not hold', () => {
    assert.equal(parseJobSpec({ ...base, command: ['python3', 'evil\u202Egpj.py'] }).name, 'evil?gpj.py');
  });
});
