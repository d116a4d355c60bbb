import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from './errors.ts';
import { askRefusalMessage, askedVariant, parseTell, tellDecision } from './study-ask.ts';
import { parseStudySpec } from './study.ts';
import { expandVariants, searchSize } from './study-variants.ts';

const external = (over: Record<string, unknown> = {}) => parseStudySpec({
  name: 'tpe', job: { command: ['python3', 'train.py'], cwd: '/work' }, search: 'external', maxRuns: 12, objective: { metric: 'loss', mode: 'min' },
  params: { x: { float: [-10, 10] }, layers: { int: [2, 8], step: 2 }, opt: { choice: ['adam', 'sgd'] }, epochs: 5 },
  ...over,
});

function fails(fn: () => unknown, field: string, message: RegExp): void {
  assert.throws(fn, (error: unknown) => error instanceof ValidationError && error.field === field && message.test(error.message));
}

describe('search: external', () => {
  it('parses as external with no variants, in either spelling; needs maxRuns and an objective, takes no seeds', () => {
    assert.deepEqual(external().search, { kind: 'external' });
    assert.deepEqual(external({ search: { external: {} } }).search, { kind: 'external' });
    assert.deepEqual(expandVariants(external()), []);
    assert.equal(searchSize(external()).variants, 0);
    fails(() => external({ maxRuns: undefined }), 'maxRuns', /external needs maxRuns/);
    fails(() => external({ objective: undefined }), 'objective', /external needs an objective/);
    fails(() => external({ seeds: 3 }), 'seeds', /takes no seeds/);
    fails(() => external({ search: { external: { n: 1 } } }), 'search.external', /n/);
  });

  it('an ask gives every swept param inside its domain; the fixed ones are merged in', () => {
    const spec = external();
    const v = askedVariant(spec, 4, { x: 2.5, layers: 6, opt: 'sgd' });
    assert.deepEqual(v, { index: 4, params: { x: 2.5, layers: 6, opt: 'sgd', epochs: 5 }, seed: null, group: 4 });
    assert.deepEqual(askedVariant(spec, 0, { x: -10, layers: 2, opt: 'adam', epochs: 5 }).params.epochs, 5);
    fails(() => askedVariant(spec, 0, { layers: 2, opt: 'adam' }), 'params.x', /missing: the study searches it \(float domain\)/);
    fails(() => askedVariant(spec, 0, { x: 11, layers: 2, opt: 'adam' }), 'params.x', /expected a number in \[-10, 10\], got 11/);
    fails(() => askedVariant(spec, 0, { x: 0, layers: 3, opt: 'adam' }), 'params.layers', /integer in \[2, 8\] on steps of 2 from 2, got 3/);
    fails(() => askedVariant(spec, 0, { x: 0, layers: 2, opt: 'rmsprop' }), 'params.opt', /one of \["adam","sgd"\], got "rmsprop"/);
    fails(() => askedVariant(spec, 0, { x: 0, layers: 2, opt: 'adam', epochs: 6 }), 'params.epochs', /fixed at 5 by the study, got 6/);
    fails(() => askedVariant(spec, 0, { x: 0, layers: 2, opt: 'adam', lr: 1 }), 'params.lr', /has no param "lr"; its params: x, layers, opt, epochs/);
    fails(() => askedVariant(spec, 0, [1]), 'params', /expected an object/);
  });

  it('words each refusal of an ask with its reason', () => {
    assert.match(askRefusalMessage('tpe', { refused: 'parallelism', parallelism: 2, open: [3, 5] }), /full: 2 of parallelism 2 trials open \(trials 3, 5\)/);
    assert.match(askRefusalMessage('tpe', { refused: 'cap', maxRuns: 12 }), /asked all 12 trials of maxRuns 12/);
    assert.match(askRefusalMessage('tpe', { refused: 'not-running', state: 'paused', reason: 'paused by a person' }), /is paused \(paused by a person\): only a running study/);
  });

  it('a tell is a prune or a give-up; a completed trial is not told', () => {
    assert.deepEqual(parseTell({ state: 'pruned', step: 7, value: 0.5 }), { state: 'pruned', step: 7, value: 0.5 });
    assert.deepEqual(parseTell({ state: 'failed' }), { state: 'failed' });
    fails(() => parseTell({ value: 0.3 }), 'state', /not told: its job succeeding is its completion/);
    fails(() => parseTell({ state: 'complete', value: 0.3 }), 'state', /not told/);
    assert.throws(() => parseTell({ state: 'pruned', stepp: 3 }), (e: unknown) => e instanceof ValidationError && /stepp/.test(e.message));
  });

  it('a tell records an external stop decision with the step and value (the objective\'s last point by default)', () => {
    const d = tellDecision({ state: 'pruned' }, 3, 'loss', { step: 9, value: 1.25 }, 100);
    assert.deepEqual({ ...d }, { policy: 'external', action: 'stop', carriedOut: 'stop', trialId: 3, step: 9, value: 1.25, cutoff: null, rank: null, of: null, decidedAt: 100, reason: 'pruned by the searcher at step 9 (loss 1.25)' });
    assert.equal(tellDecision({ state: 'pruned', step: 4 }, 3, 'loss', { step: 9, value: 1.25 }, 100).value, null, 'the last point is later than the step told');
    const failed = tellDecision({ state: 'failed', reason: 'KeyboardInterrupt' }, 3, 'loss', null, 100);
    assert.equal(failed.reason, 'given up by the searcher: KeyboardInterrupt');
    assert.equal(failed.step, 0);
  });
});
