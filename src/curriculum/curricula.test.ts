/**
 * The curriculum over the control layer's test kit (fake executor, fake clock, real SQLite):
 * evaluations of a level's jobs (recorded through the store, with their `evaluation.done`, as
 * the evaluator records them) move the curriculum; a server killed between an evaluation and the
 * move it brings moves it once.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseEvalSuite } from '../core/eval-suite.ts';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { createKit, type Kit } from '../control/test-kit.ts';
import type { Store } from '../store/store.ts';
import { createCurricula, CURRICULUM_SUBSCRIBER, type Curricula } from './curricula.ts';

const kits: Kit[] = [];
after(async () => {
  for (const kit of kits) await kit.close().catch(() => {});
});

const suite = (name: string) => parseEvalSuite({ name, command: ['python3', 'eval.py'], cwd: '/work', metrics: [{ name: 'accuracy', goal: 'max' }] });

/** A kit with the curricula subscribed before the event log starts reading. */
async function world(options: { wrapStore?: (store: Store) => Store; from?: Kit } = {}): Promise<{ k: Kit; curricula: Curricula }> {
  const k = options.from ? await options.from.restart({ recover: false, crashed: true }) : await createKit({ wrapStore: options.wrapStore, start: false });
  const curricula = createCurricula({ store: k.store, control: k.control, now: k.now, log: (line) => k.lines.push(line) });
  curricula.subscribe();
  await k.control.recover();
  k.control.start();
  return { k, curricula };
}

async function setUp(k: Kit, curricula: Curricula, over: Record<string, unknown> = {}) {
  for (const name of ['arith-easy', 'arith-medium']) await k.store.saveEvalSuite(suite(name), k.now());
  return curricula.apply({
    name: 'arith',
    metric: 'accuracy',
    promote: { atLeast: 0.8, over: 2 },
    demote: { below: 0.3, over: 1 },
    job: { command: ['python3', 'train.py'], cwd: k.layout.root, keepCheckpoints: 0 },
    levels: [{ name: 'easy', suite: 'arith-easy', generate: { command: ['python3', 'gen.py'] } }, { name: 'medium', suite: 'arith-medium' }],
    ...over,
  }, 'tester');
}

/**
 * A checkpoint of the job's first run, evaluated by the job's suite to `accuracy` (as the
 * evaluator records it: the evaluation and its job, then its result with `evaluation.done`).
 * Returns the `evaluation.done` event.
 */
async function evaluated(k: Kit, jobId: number, step: number, accuracy: number) {
  k.writeCheckpoint(jobId, `step-${step}.bin`);
  const checkpoint = await k.control.intake.checkpoint(await k.ref(jobId, 1), { path: `step-${step}.bin`, step, metrics: {} });
  const suiteName = (await k.job(jobId)).spec.evaluate![0];
  const made = await k.store.createEvaluation({ suite: (await k.store.getEvalSuite(suiteName))!, checkpoint, trigger: 'checkpoint' }, k.spec({ name: `eval ${step}` }), k.now());
  await k.control.jobs.requestStop(made.evaluation.evalJobId);
  const result = { verdict: 'pass' as const, summary: 'all held', values: { accuracy }, score: null, baseline: null, scoreDelta: null, diffs: [], regressions: [] };
  await k.store.completeEvaluation(made.evaluation.id, result, k.now());
  return (await k.store.listEvents({ types: ['evaluation.done'] })).at(-1)!;
}

/** As `evaluated`, then waits until the curricula read its event. */
async function evaluate(k: Kit, jobId: number, step: number, accuracy: number): Promise<void> {
  const done = await evaluated(k, jobId, step, accuracy);
  await k.until(async () => ((await k.store.getEventCursor(CURRICULUM_SUBSCRIBER)) ?? 0) >= done.id, `the curricula to read event ${done.id}`);
}

/** Submits the current level's job and waits until it runs. */
async function train(k: Kit, curricula: Curricula) {
  const job = await curricula.run('arith', 'train');
  const run = await k.run(job.id, 1);
  return { job, run };
}

const moves = async (curricula: Curricula) => (await curricula.get('arith')).history.map((h) => `${h.direction} ${h.fromLevel}→${h.toLevel}${h.completed ? ' completed' : ''}`);

describe('curricula', () => {
  it('promotes after K passing evaluations at the level, demotes below the floor, and completes after the last level', async () => {
    const { k, curricula } = await world();
    kits.push(k);
    const applied = await setUp(k, curricula);
    assert.deepEqual([applied.created, applied.curriculum.levelName], [true, 'easy']);

    const easy = await train(k, curricula);
    assert.deepEqual(easy.job.spec.tags, ['curriculum:arith:easy']);
    assert.deepEqual(easy.job.spec.evaluate, ['arith-easy']);
    await evaluate(k, easy.job.id, 1, 0.9);
    await evaluate(k, easy.job.id, 2, 0.5);
    await evaluate(k, easy.job.id, 3, 0.85);
    assert.equal((await curricula.get('arith')).levelName, 'easy', 'one of the last two failed');
    assert.deepEqual((await curricula.get('arith')).window.values.map((v) => v.value), [0.9, 0.5, 0.85]);
    await evaluate(k, easy.job.id, 4, 0.95);
    const promoted = await curricula.get('arith');
    assert.deepEqual([promoted.levelName, promoted.window.values], ['medium', []]);
    assert.equal(promoted.history[0].reason, 'accuracy 0.85, 0.95 ≥ 0.8 over the last 2');
    assert.deepEqual(promoted.history[0].values, [0.85, 0.95]);

    // The easy job's later evaluations are not the current level's: not counted.
    await evaluate(k, easy.job.id, 5, 0.1);
    assert.deepEqual(await moves(curricula), ['promote easy→medium']);
    easy.run.exit({ exitCode: 0 });

    const medium = await train(k, curricula);
    assert.deepEqual(medium.job.spec.tags, ['curriculum:arith:medium']);
    await evaluate(k, medium.job.id, 1, 0.2);
    assert.deepEqual(await moves(curricula), ['promote easy→medium', 'demote medium→easy']);
    medium.run.exit({ exitCode: 0 });

    // Back at easy with a fresh window: two passes again.
    const again = await train(k, curricula);
    await evaluate(k, again.job.id, 1, 0.9);
    assert.equal((await curricula.get('arith')).levelName, 'easy');
    await evaluate(k, again.job.id, 2, 0.9);
    again.run.exit({ exitCode: 0 });
    const last = await train(k, curricula);
    await evaluate(k, last.job.id, 1, 0.81);
    await evaluate(k, last.job.id, 2, 0.99);
    const done = await curricula.get('arith');
    assert.deepEqual([done.state, done.levelName], ['completed', 'medium']);
    assert.deepEqual(await moves(curricula), ['promote easy→medium', 'demote medium→easy', 'promote easy→medium', 'promote medium→medium completed']);
    assert.equal((await k.store.listEvents({ types: ['curriculum.completed'] })).length, 1);
    assert.equal((await k.store.listEvents({ types: ['curriculum.level_changed'] })).length, 3);

    // A completed curriculum counts nothing; a manual move starts it again.
    await evaluate(k, last.job.id, 3, 0.99);
    assert.equal((await curricula.get('arith')).history.length, 4);
    const set = await curricula.setLevel('arith', 'easy', 'next data round', 'tester');
    assert.deepEqual([set.direction, set.by, set.reason], ['set', 'tester', 'next data round']);
    assert.equal((await curricula.get('arith')).state, 'active');
  });

  it('runs the level generate job with its tags; refuses what it cannot do, naming it', async () => {
    const { k, curricula } = await world();
    kits.push(k);
    await assert.rejects(curricula.apply({ name: 'x', metric: 'accuracy', promote: { atLeast: 1 }, job: { command: ['true'], cwd: '/w' }, levels: [{ name: 'a', suite: 'nope' }] }, 't'),
      (e: unknown) => e instanceof ValidationError && e.field === 'levels.0.suite');
    await setUp(k, curricula);
    await assert.rejects(setUp(k, curricula, { metric: 'loss' }), (e: unknown) => e instanceof ValidationError && e.field === 'metric');
    const gen = await curricula.run('arith', 'generate', ['automation-firing:7']);
    assert.deepEqual(gen.spec.tags, ['curriculum:arith:easy', 'curriculum-generate', 'automation-firing:7']);
    assert.deepEqual(gen.spec.command, ['python3', 'gen.py']);
    await curricula.setLevel('arith', 1, 'try medium', 't');
    await assert.rejects(curricula.run('arith', 'generate'), ConflictError);
    await assert.rejects(curricula.run('nope', 'train'), NotFoundError);
    await assert.rejects(curricula.setLevel('arith', 'hard', 'x', 't'), (e: unknown) => e instanceof ValidationError && e.field === 'level');
    await assert.rejects(curricula.setLevel('arith', 'easy', ' ', 't'), (e: unknown) => e instanceof ValidationError && e.field === 'reason');
  });

  it('moves once when the server is killed between the evaluation and the move, and once when the move committed but its ack was lost', async () => {
    // The first server dies inside the promoting count: every store call from there on hangs.
    const state = { dead: false };
    const dying = (store: Store): Store => new Proxy(store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function' || prop === 'watchEvents' || prop === 'close') return value;
        return (...args: unknown[]) => {
          if (prop === 'countCurriculumEvaluation' && args[2] !== null) state.dead = true;
          if (prop === 'ackEvents' && args[0] === CURRICULUM_SUBSCRIBER && state.dead) return Promise.resolve();
          return state.dead && prop !== 'ackEvents' ? new Promise(() => {}) : value.apply(target, args);
        };
      },
    });
    const first = await world({ wrapStore: dying });
    await setUp(first.k, first.curricula);
    const easy = await train(first.k, first.curricula);
    await evaluate(first.k, easy.job.id, 1, 0.9);
    // The second passing evaluation: done, but the server dies before the move commits.
    await evaluated(first.k, easy.job.id, 2, 0.95);
    await first.k.until(() => state.dead, 'the server to die inside the promoting count');
    const before = await createKit({ dataDir: first.k.layout.root, start: false });
    assert.deepEqual(await before.store.listCurriculumHistory('arith'), [], 'nothing of the move was written');
    await before.close();

    const second = await world({ from: first.k });
    kits.push(second.k);
    const last = await second.k.store.lastEventId();
    await second.k.until(async () => ((await second.k.store.getEventCursor(CURRICULUM_SUBSCRIBER)) ?? 0) >= last, 'the curricula to read every event again');
    assert.deepEqual(await moves(second.curricula), ['promote easy→medium']);
    // The event again (a lost ack after the commit): nothing more.
    const done = (await second.k.store.listEvents({ types: ['evaluation.done'] })).at(-1)!;
    await second.curricula.handle(done);
    assert.deepEqual(await moves(second.curricula), ['promote easy→medium']);
    assert.equal((await second.k.store.listEvents({ types: ['curriculum.level_changed'] })).length, 1);
    assert.equal((await second.k.store.listCurriculumHistory('arith'))[0].causeEventId, done.id);
  });
});
