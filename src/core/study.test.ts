import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from './errors.ts';
import { parseStudySpec, parseStudyYaml, positioned, StudyFileError, trialJobSpec, type StudySpecInput } from './study.ts';
import { expandVariants } from './study-variants.ts';

const job = { command: ['python3', 'train.py'], cwd: '/tmp', params: { epochs: 3, lr: 1 }, tags: ['team-1'] };

function study(input: Partial<StudySpecInput>) {
  return parseStudySpec({ name: 'sweep', job, ...input });
}

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return error;
  }
  assert.fail('expected a ValidationError');
}

describe('expandVariants', () => {
  it('grid: every combination, the last param varying fastest, fixed values in each', () => {
    const variants = expandVariants(study({ params: { lr: { choice: [0.1, 0.01] }, layers: { int: [1, 5], step: 2 }, opt: 'adam' } }));
    assert.deepEqual(variants.map((v) => v.params), [
      { lr: 0.1, layers: 1, opt: 'adam' }, { lr: 0.1, layers: 3, opt: 'adam' }, { lr: 0.1, layers: 5, opt: 'adam' },
      { lr: 0.01, layers: 1, opt: 'adam' }, { lr: 0.01, layers: 3, opt: 'adam' }, { lr: 0.01, layers: 5, opt: 'adam' },
    ]);
    assert.deepEqual(variants.map((v) => v.index), [0, 1, 2, 3, 4, 5]);
  });

  it('random over a finite space: deterministic for a seed, without replacement, the whole space at count = size', () => {
    const spec = study({ params: { a: { choice: ['x', 'y', 'z'] }, b: { int: [0, 3] } }, search: { random: { count: 12, seed: 7 } } });
    const first = expandVariants(spec);
    assert.deepEqual(expandVariants(spec), first, 'same seed, same variants');
    assert.equal(new Set(first.map((v) => JSON.stringify(v.params))).size, 12, 'no repeats');
    const other = expandVariants(study({ params: { a: { choice: ['x', 'y', 'z'] }, b: { int: [0, 3] } }, search: { random: { count: 12, seed: 8 } } }));
    assert.notDeepEqual(other.map((v) => v.params), first.map((v) => v.params), 'another seed, another order');
    const error = refusal(() => expandVariants(study({ params: { a: { choice: ['x', 'y', 'z'] }, b: { int: [0, 3] } }, search: { random: { count: 13 } } })));
    assert.equal(error.field, 'search.random.count');
    assert.match(error.message, /13 .*12 distinct points .*3 × 4/);
  });

  it('random floats: within range, log scale spreads over decades', () => {
    const variants = expandVariants(study({ params: { lr: { float: [1e-5, 1e-1], log: true }, wd: { float: [0, 1] } }, search: { random: { count: 400, seed: 1 } } }));
    assert.equal(variants.length, 400);
    const lrs = variants.map((v) => v.params.lr as number);
    assert.ok(lrs.every((x) => x >= 1e-5 && x <= 1e-1));
    const decades = [1e-5, 1e-4, 1e-3, 1e-2].map((lo) => lrs.filter((x) => x >= lo && x < lo * 10).length);
    assert.ok(decades.every((n) => n > 60), `each decade gets about a quarter of the draws, got ${decades}`);
    assert.ok(variants.every((v) => (v.params.wd as number) >= 0 && (v.params.wd as number) <= 1));
  });

  it('list: entries as written over the fixed params', () => {
    const variants = expandVariants(study({ params: { opt: 'adam' }, search: { list: [{ lr: 0.1 }, { lr: 0.2, opt: 'sgd' }] } }));
    assert.deepEqual(variants.map((v) => v.params), [{ opt: 'adam', lr: 0.1 }, { opt: 'sgd', lr: 0.2 }]);
    assert.equal(refusal(() => study({ params: { lr: { choice: [1, 2] } }, search: { list: [{ lr: 1 }] } })).field, 'params.lr');
  });

  it('seeds: each variant repeated with params.seed, grouped', () => {
    const variants = expandVariants(study({ params: { lr: { choice: [0.1, 0.2] } }, seeds: 3 }));
    assert.deepEqual(variants.map((v) => [v.params.lr, v.seed, v.group]), [[0.1, 0, 0], [0.1, 1, 0], [0.1, 2, 0], [0.2, 0, 1], [0.2, 1, 1], [0.2, 2, 1]]);
    assert.equal(refusal(() => study({ params: { seed: { choice: [1, 2] } }, seeds: 2 })).field, 'seeds');
    const own = expandVariants(study({ params: { seed: { int: [10, 11] } } }));
    assert.deepEqual(own.map((v) => v.seed), [10, 11], 'a seed param of numbers is the seed');
  });

  it('maxRuns: a search larger than the cap is refused with its sizes, not cut', () => {
    const error = refusal(() => expandVariants(study({ params: { a: { choice: [1, 2, 3, 4] }, b: { int: [1, 3] }, c: { choice: [1, 2, 3, 4, 5] } }, seeds: 2, maxRuns: 100 })));
    assert.equal(error.field, 'maxRuns');
    assert.match(error.message, /grid of 4 × 3 × 5 = 60 variants × 2 seeds = 120 runs exceeds maxRuns 100/);
    assert.equal(expandVariants(study({ params: { a: { choice: [1, 2, 3, 4] } }, maxRuns: 4 })).length, 4, 'exactly the cap is fine');
    assert.match(refusal(() => expandVariants(study({ params: { a: { float: [0, 1] } } }))).message, /float range/);
  });
});

describe('parseStudySpec', () => {
  it('names the field, what was expected and what came', () => {
    assert.equal(refusal(() => study({ params: { lr: { float: [1, 0.1] } } })).field, 'params.lr.float');
    const log = refusal(() => study({ params: { lr: { float: [0, 1], log: true } } }));
    assert.match(log.message, /log: true needs low > 0/);
    assert.equal(refusal(() => study({ params: { lr: { choice: [] } } })).field, 'params.lr.choice');
    assert.equal(refusal(() => study({ params: { lr: { int: [1, 2], stpe: 1 } } as never })).field, 'params.lr');
    assert.equal(refusal(() => study({ search: { random: { count: 0 } } })).field, 'search.random.count');
    assert.equal(refusal(() => study({ parallelism: 0 })).field, 'parallelism');
    assert.equal(refusal(() => parseStudySpec({ name: 'bad name', job })).field, 'name');
    const template = refusal(() => parseStudySpec({ name: 's', job: { ...job, resources: { gpus: -1 } } }));
    assert.equal(template.field, 'job.resources.gpus');
    assert.doesNotMatch(template.message, /^job\.resources\.gpus: resources\.gpus/);
  });

  it('nests the early-stopping and circuit-breaker blocks, metric and mode from the objective', () => {
    const spec = study({ objective: { metric: 'val_loss', mode: 'min' }, earlyStopping: { asha: { gracePeriod: 10, maxResource: 100 } }, circuitBreaker: { consecutive: 3 } });
    assert.deepEqual(spec.earlyStopping, { asha: { metric: 'val_loss', mode: 'min', resource: 'step', minResource: 10, maxResource: 100, reductionFactor: 4, action: 'stop' } });
    assert.equal(refusal(() => study({ earlyStopping: { asha: { gracePeriod: 10, maxResource: 100 } } })).field, 'earlyStopping.asha.metric');
    assert.equal(refusal(() => study({ objective: { metric: 'l', mode: 'min' }, earlyStopping: { asha: { gracePeriod: 10, maxResource: 5 } } })).field, 'earlyStopping.asha.maxResource');
    assert.equal(refusal(() => study({ circuitBreaker: { consecutive: 0 } })).field, 'circuitBreaker.consecutive');
  });

  it("makes a trial's job: the template, its params merged under the variant's, tagged", () => {
    const spec = study({ params: { lr: { choice: [0.5] } } });
    const [variant] = expandVariants(spec);
    const trial = trialJobSpec(spec, variant);
    assert.equal(trial.name, 'sweep-0');
    assert.deepEqual(trial.params, { epochs: 3, lr: 0.5 });
    assert.deepEqual(trial.tags, ['team-1', 'study:sweep', 'study-trial:sweep:0']);
  });
});

describe('study files', () => {
  it('puts a validation error at its line', () => {
    const text = 'name: s\njob:\n  command: [python3, t.py]\n  cwd: /tmp\nparams:\n  lr:\n    float: [1, 0]\n';
    const file = parseStudyYaml('study.yaml', text);
    const error = refusal(() => parseStudySpec(file.value));
    const at = positioned('study.yaml', file, error);
    assert.ok(at instanceof StudyFileError);
    assert.equal(at.line, 7);
    assert.match(at.message, /^study\.yaml:7:5: params\.lr\.float: expected \[low, high\]/);
    assert.throws(() => parseStudyYaml('s.yaml', 'name: [\n'), (e: unknown) => e instanceof StudyFileError && e.line !== null);
  });
});
