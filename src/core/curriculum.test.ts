import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { curriculumTag, decideLevel, GENERATE_TAG, levelJobSpec, parseCurriculum, parseCurriculumTag, smooth, type CurriculumInput } from './curriculum.ts';
import { ValidationError } from './errors.ts';
import { parseJobSpec } from './job-spec.ts';

const BASE: CurriculumInput = {
  name: 'arith',
  metric: 'accuracy',
  promote: { atLeast: 0.8, over: 3 },
  demote: { below: 0.3, over: 2 },
  job: { command: ['node', 'train.mjs'], cwd: '/work', params: { lr: 0.1, steps: 10 }, env: { A: '1' }, datasets: { train: 'easy-data' }, tags: ['team2'] },
  levels: [
    { name: 'easy', suite: 'arith-easy', job: { params: { steps: 20 } }, generate: { command: ['node', 'gen.mjs', 'easy'] } },
    { name: 'medium', suite: 'arith-medium', job: { params: { digits: 3 }, datasets: { train: 'medium-data' }, maxRetries: 0 } },
    { name: 'hard', suite: 'arith-hard' },
  ],
};

const spec = (over: Partial<CurriculumInput> = {}) => parseCurriculum({ ...BASE, ...over });

function fieldOf(fn: () => unknown): string | null {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return error.field;
  }
  assert.fail('expected a ValidationError');
}

describe('parseCurriculum', () => {
  it('fills defaults and keeps the levels in order', () => {
    const s = parseCurriculum({ ...BASE, promote: { atLeast: 0.8 }, demote: undefined });
    assert.equal(s.promote.over, 1);
    assert.deepEqual(s.levels.map((l) => l.name), ['easy', 'medium', 'hard']);
    assert.deepEqual(s.levels[2].job, {});
  });

  it('names the field of each mistake', () => {
    assert.equal(fieldOf(() => spec({ levels: [] })), 'levels');
    assert.equal(fieldOf(() => spec({ promote: { over: 3 } as never })), 'promote.atLeast');
    assert.equal(fieldOf(() => spec({ promote: { atLeast: 1, atMost: 2 } })), 'promote.atLeast');
    assert.equal(fieldOf(() => spec({ promote: { atLeast: 0.8, ema: 0 } })), 'promote.ema');
    assert.equal(fieldOf(() => spec({ demote: { above: 0.3 } })), 'demote.above');
    assert.equal(fieldOf(() => spec({ demote: { below: 0.9 } })), 'demote.below');
    assert.equal(fieldOf(() => spec({ levels: [BASE.levels[0], { ...BASE.levels[1], name: 'easy' }] })), 'levels.1.name');
    assert.equal(fieldOf(() => spec({ levels: [{ name: 'x', suite: 'bad suite' }] })), 'levels.0.suite');
    assert.equal(fieldOf(() => spec({ name: 'a'.repeat(90), levels: [{ name: 'level-with-a-long-name', suite: 's' }] })), 'levels.0.name');
    // Job spec problems: where they were written.
    assert.equal(fieldOf(() => spec({ levels: [{ name: 'x', suite: 's', job: { maxRetries: -1 } }] })), 'levels.0.job.maxRetries');
    assert.equal(fieldOf(() => spec({ job: { ...BASE.job, cwd: 'relative' } })), 'job.cwd');
    assert.equal(fieldOf(() => spec({ levels: [{ name: 'x', suite: 's', generate: { command: [] } }] })), 'levels.0.generate.command');
  });

  it('refuses a demote floor on the wrong side for lower-is-better', () => {
    assert.equal(fieldOf(() => spec({ promote: { atMost: 0.5 }, demote: { below: 0.3 } })), 'demote.below');
    assert.equal(fieldOf(() => spec({ promote: { atMost: 0.5 }, demote: { above: 0.4 } })), 'demote.above');
    assert.equal(spec({ promote: { atMost: 0.5 }, demote: { above: 0.9 } }).demote?.above, 0.9);
  });
});

describe('levelJobSpec', () => {
  it('merges params, env and datasets key by key; other keys replace; adds the suite and the tag', () => {
    const s = spec();
    const medium = parseJobSpec(levelJobSpec(s, 1, 'train'));
    assert.deepEqual(medium.params, { lr: 0.1, steps: 10, digits: 3 });
    assert.deepEqual(medium.datasets, { train: 'medium-data' });
    assert.equal(medium.maxRetries, 0);
    assert.deepEqual(medium.env, { A: '1', CURRICULUM_NAME: 'arith', CURRICULUM_LEVEL: 'medium', CURRICULUM_LEVEL_INDEX: '1' });
    assert.deepEqual(medium.evaluate, ['arith-medium']);
    assert.deepEqual(medium.tags, ['team2', 'curriculum:arith:medium']);
    assert.equal(medium.name, 'arith-medium');
    const easy = parseJobSpec(levelJobSpec(s, 0, 'train'));
    assert.deepEqual(easy.params, { lr: 0.1, steps: 20 });
    assert.equal(easy.maxRetries, 3);
  });

  it("makes the generate job from the level's own spec, in the base job's cwd", () => {
    const gen = parseJobSpec(levelJobSpec(spec(), 0, 'generate'));
    assert.deepEqual(gen.command, ['node', 'gen.mjs', 'easy']);
    assert.equal(gen.cwd, '/work');
    assert.deepEqual(gen.tags, ['curriculum:arith:easy', GENERATE_TAG]);
    assert.equal(gen.evaluate, undefined);
    assert.equal(gen.env.CURRICULUM_LEVEL, 'easy');
    assert.equal(fieldOf(() => levelJobSpec(spec(), 1, 'generate')), 'levels.1.generate');
  });

  it('tags round-trip', () => {
    assert.deepEqual(parseCurriculumTag(curriculumTag('arith', 'easy')), { curriculum: 'arith', level: 'easy' });
    assert.equal(parseCurriculumTag('inbox'), null);
  });
});

describe('decideLevel', () => {
  it('promotes only when each of the last K values passes (K consecutive)', () => {
    const s = spec();
    assert.equal(decideLevel(s, 0, [0.9, 0.9]).direction, 'stay');
    assert.match(decideLevel(s, 0, [0.9, 0.9]).reason, /2 of 3 evaluations/);
    assert.equal(decideLevel(s, 0, [0.9, 0.5, 0.9, 0.9]).direction, 'stay');
    const d = decideLevel(s, 0, [0.5, 0.85, 0.9, 0.8]);
    assert.deepEqual([d.direction, d.to, d.completed, d.values], ['promote', 1, false, [0.85, 0.9, 0.8]]);
    assert.equal(d.reason, 'accuracy 0.85, 0.9, 0.8 ≥ 0.8 over the last 3');
  });

  it('reads lower-is-better with atMost', () => {
    const s = spec({ metric: 'loss', promote: { atMost: 0.2, over: 2 }, demote: { above: 1, over: 1 } });
    assert.equal(decideLevel(s, 0, [0.1, 0.15]).direction, 'promote');
    assert.equal(decideLevel(s, 1, [1.5]).direction, 'demote');
    assert.equal(decideLevel(s, 1, [0.1, 0.3]).direction, 'stay');
  });

  it('smooths with an EMA over the whole window', () => {
    assert.deepEqual(smooth([1, 0, 1], 0.5), [1, 0.5, 0.75]);
    const s = spec({ promote: { atLeast: 0.8, over: 2, ema: 0.5 } });
    // Raw: the last two pass; smoothed 0.1, 0.5, 0.7: they do not.
    assert.equal(decideLevel(s, 0, [0.1, 0.9, 0.9]).direction, 'stay');
    const d = decideLevel(s, 0, [0.1, 0.9, 0.9, 0.9, 0.9]);
    assert.deepEqual(d.values.map((v) => Number(v.toFixed(6))), [0.8, 0.85]);
    assert.equal(d.direction, 'promote');
    assert.match(d.reason, /accuracy \(EMA 0.5\) 0.8, 0.85/);
  });

  it('demotes below the floor over its own K; never from level 0', () => {
    const s = spec();
    assert.equal(decideLevel(s, 1, [0.2]).direction, 'stay');
    const d = decideLevel(s, 1, [0.2, 0.1]);
    assert.deepEqual([d.direction, d.to], ['demote', 0]);
    assert.equal(d.reason, 'accuracy 0.2, 0.1 < 0.3 over the last 2');
    const first = decideLevel(s, 0, [0.2, 0.1]);
    assert.deepEqual([first.direction, first.to], ['stay', 0]);
    assert.match(first.reason, /first level never demotes/);
  });

  it('completes from the last level and stays there', () => {
    const d = decideLevel(spec(), 2, [0.9, 0.9, 0.95]);
    assert.deepEqual([d.direction, d.completed, d.to], ['promote', true, 2]);
    assert.match(d.reason, /the last level is passed/);
  });
});
