import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, ValidationError } from './errors.ts';
import type { Study, Trial } from './study-record.ts';
import { expandVariants } from './study-variants.ts';
import { parseStudySpec, type StudySpec } from './study.ts';
import { checkWiden, planPromotions, widenSearch } from './study-widen.ts';

const job = { command: ['true'], cwd: '/tmp' };
const study = (spec: StudySpec, over: Partial<Study> = {}): Study => ({
  id: 1, name: spec.name, spec, state: 'running', reason: null, trialCount: expandVariants(spec).length,
  counts: { pending: 0, active: 0, held: 0, succeeded: 0, failed: 0, stopped: 0 }, createdAt: 0, updatedAt: 0, breakerSince: 0, ...over,
});
const trialsOf = (spec: StudySpec) => expandVariants(spec).map((v) => ({ params: v.params, group: v.group }));

describe('checkWiden', () => {
  const random = parseStudySpec({ name: 'r', job, params: { lr: { float: [0.01, 1] } }, search: { random: { count: 4, seed: 1 } }, maxRuns: 6 });
  it('refuses, naming why', () => {
    assert.throws(() => checkWiden(study(random), {}), (e: unknown) => e instanceof ValidationError && /nothing to widen/.test(e.message));
    assert.throws(() => checkWiden(study(random), { maxRuns: 3 }), (e: unknown) => e instanceof ValidationError && e.field === 'maxRuns' && /3 is below the 4 trials study r has made already/.test(e.message));
    assert.throws(() => checkWiden(study(random), { maxRuns: 5 }), /5 is below the study's maxRuns 6: widening raises the cap/);
    assert.throws(() => checkWiden(study(random, { state: 'stopped' }), { maxRuns: 10 }), (e: unknown) => e instanceof ConflictError && /was stopped: a stopped study does not reopen/.test(e.message));
    assert.throws(() => checkWiden(study(random), { resumePaused: true }), (e: unknown) => e instanceof ValidationError && e.field === 'resumePaused');
    const grid = parseStudySpec({ name: 'g', job, params: { lr: { choice: [1, 2, 3] } } });
    assert.throws(() => checkWiden(study(grid), { maxRuns: 5 }), (e: unknown) => e instanceof ConflictError && /searches by grid: its 3 trials are every variant/.test(e.message));
    const asha = parseStudySpec({ name: 'a', job, params: { lr: { choice: [1, 2] } }, objective: { metric: 'loss', mode: 'min' }, earlyStopping: { asha: { minResource: 2, maxResource: 8, action: 'pause' } } });
    assert.throws(() => checkWiden(study(asha, { state: 'paused' }), { resumePaused: true }), /is paused: resume it first/);
    checkWiden(study(asha, { state: 'completed' }), { resumePaused: true });
    checkWiden(study(random, { state: 'completed' }), { maxRuns: 6 });
  });
});

describe('widenSearch', () => {
  it('draws the next variants of a random search, keeping the ones it has', () => {
    const spec = parseStudySpec({ name: 'r', job, params: { lr: { float: [0.01, 1] } }, search: { random: { count: 3, seed: 5 } }, seeds: 2 });
    const { spec: wider, added } = widenSearch(study(spec), trialsOf(spec), 11);
    assert.equal(wider.maxRuns, 11);
    assert.deepEqual(wider.search, { kind: 'random', count: 5, seed: 5 });
    const fresh = expandVariants(wider);
    assert.deepEqual(fresh.slice(0, 6).map((v) => v.params), expandVariants(spec).map((v) => v.params), 'a float space: the first draws are the same');
    assert.deepEqual(added.map((v) => [v.index, v.group, v.seed]), [[6, 3, 0], [7, 3, 1], [8, 4, 0], [9, 4, 1]]);
    assert.deepEqual(added.map((v) => v.params), fresh.slice(6).map((v) => v.params));
  });

  it('over a finite space adds only variants the study lacks, and refuses more than the space holds', () => {
    const spec = parseStudySpec({ name: 'r', job, params: { a: { choice: [1, 2, 3] }, b: { int: [1, 3] } }, search: { random: { count: 4, seed: 2 } } });
    const { added } = widenSearch(study(spec), trialsOf(spec), 7);
    assert.equal(added.length, 3);
    const all = [...trialsOf(spec), ...added].map((t) => JSON.stringify(t.params));
    assert.equal(new Set(all).size, 7, 'no variant twice');
    assert.throws(() => widenSearch(study(spec), trialsOf(spec), 10), (e: unknown) => e instanceof ValidationError && e.field === 'maxRuns' && /more than the 9 distinct points/.test(e.message));
  });

  it('raises only the cap of an external search', () => {
    const spec = parseStudySpec({ name: 'x', job, params: { lr: { float: [0.01, 1] } }, search: 'external', maxRuns: 3, objective: { metric: 'loss', mode: 'min' } });
    assert.deepEqual(widenSearch(study(spec, { trialCount: 3 }), [], 8), { spec: { ...spec, maxRuns: 8 }, added: [] });
  });
});

describe('planPromotions', () => {
  const spec = parseStudySpec({ name: 'a', job, params: { lr: { choice: [1, 2] } }, objective: { metric: 'loss', mode: 'min' }, earlyStopping: { asha: { minResource: 2, maxResource: 4, reductionFactor: 2, action: 'pause' } } });
  const held = (index: number): Trial => ({
    studyId: 1, index, params: {}, seed: null, group: index, jobId: 10 + index, launchedAt: 0, state: 'paused', outcome: null, endedAt: null,
    decision: { policy: 'asha', action: 'stop', carriedOut: 'pause', trialId: index, step: 2, value: 0, cutoff: 0, rank: 2, of: 2, reason: '', decidedAt: 0 },
  });
  const values = new Map([[0, 1.2], [1, 1.8], [2, 3.0], [3, 3.6], [4, 4.2], [5, 4.8]]);

  it('resumes the held trials that rank in at their rung now, best first, up to the free slots', () => {
    const plan = planPromotions(spec, [held(2), held(1), held(5)], () => values, 4);
    assert.deepEqual(plan.resume.map((h) => [h.index, h.rank, h.of, h.keep, h.cutoff]), [[1, 2, 6, 3, 3], [2, 3, 6, 3, 3]]);
    assert.deepEqual(plan.stay.map((h) => [h.index, h.promotable]), [[5, false]]);
    const one = planPromotions(spec, [held(2), held(1)], () => values, 1);
    assert.deepEqual(one.resume.map((h) => h.index), [1]);
    assert.deepEqual(one.stay.map((h) => [h.index, h.promotable]), [[2, true]], 'ranks in, no free slot');
    assert.deepEqual(planPromotions(spec, [held(1)], () => new Map([[0, 1.2], [1, 1.8]]), 4).resume, [], 'with 2 values only the best continues');
  });
});
