/** Contract of CurriculumStore: specs by version, windows per level entry, moves once per cause, with events. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideLevel, parseCurriculum, type CurriculumInput, type LevelChange } from '../../core/curriculum.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.ts';
import { type StoreFactory, T0, useStore } from './fixtures.ts';

const INPUT: CurriculumInput = {
  name: 'arith',
  metric: 'accuracy',
  promote: { atLeast: 0.8, over: 2 },
  job: { command: ['true'], cwd: '/work' },
  levels: [{ name: 'easy', suite: 's-easy' }, { name: 'medium', suite: 's-medium' }],
};
const spec = (over: Partial<CurriculumInput> = {}) => parseCurriculum({ ...INPUT, ...over });

const promote: LevelChange = { from: 0, to: 1, fromLevel: 'easy', toLevel: 'medium', direction: 'promote', reason: 'accuracy 0.9, 0.9 ≥ 0.8 over the last 2', values: [0.9, 0.9], completed: false };

export function curriculumContract(createStore: StoreFactory): void {
  describe('curricula', () => {
    const store = useStore(createStore);
    const types = async () => (await store().listEvents({ types: ['curriculum.updated', 'curriculum.level_changed', 'curriculum.completed'] })).map((e) => e.type);

    it('applies a spec: created at level 0, the same spec writes nothing, a change is the next version', async () => {
      const made = await store().applyCurriculum(spec(), 'alice', T0);
      assert.deepEqual([made.created, made.changed, made.curriculum.version, made.curriculum.level, made.curriculum.levelName, made.curriculum.state], [true, true, 1, 0, 'easy', 'active']);
      const [created] = await store().listEvents({ types: ['curriculum.updated'] });
      assert.equal(made.curriculum.enteredEventId, created.id);
      assert.deepEqual(created.data, { curriculum: 'arith', version: 1, created: true, levels: ['easy', 'medium'], by: 'alice' });
      assert.deepEqual((await store().applyCurriculum(spec(), 'alice', T0 + 1)).changed, false);
      // A job change keeps the window; a new bound re-enters the level.
      const job = await store().applyCurriculum(spec({ job: { command: ['false'], cwd: '/work' } }), 'alice', T0 + 2);
      assert.deepEqual([job.changed, job.curriculum.version, job.curriculum.enteredEventId], [true, 2, created.id]);
      const bound = await store().applyCurriculum(spec({ promote: { atLeast: 0.7, over: 2 } }), 'alice', T0 + 3);
      assert.ok(bound.curriculum.enteredEventId > created.id);
      assert.deepEqual(await types(), ['curriculum.updated', 'curriculum.updated', 'curriculum.updated']);
      assert.deepEqual((await store().listCurricula()).map((c) => c.name), ['arith']);
      assert.equal(await store().getCurriculum('nope'), null);
    });

    it('keeps the current level by name, and refuses a spec that drops it', async () => {
      await store().applyCurriculum(spec(), 'a', T0);
      await store().setCurriculumLevel('arith', { to: 1, reason: 'skip ahead', by: 'a' }, T0);
      const moved = await store().applyCurriculum(spec({ levels: [{ name: 'zero', suite: 's0' }, ...INPUT.levels] }), 'a', T0);
      assert.deepEqual([moved.curriculum.level, moved.curriculum.levelName], [2, 'medium']);
      await assert.rejects(store().applyCurriculum(spec({ levels: [{ name: 'easy', suite: 's-easy' }] }), 'a', T0), ConflictError);
    });

    it('counts an evaluation once, in the window of the level entry it was read against, and moves once per cause', async () => {
      const c = (await store().applyCurriculum(spec(), 'a', T0)).curriculum;
      const count = (evaluationId: number, eventId: number, value: number, change: LevelChange | null, entered = c.enteredEventId) =>
        store().countCurriculumEvaluation('arith', { enteredEventId: entered, evaluationId, jobId: 7, eventId, value }, change, T0 + eventId);
      assert.deepEqual(await count(1, 100, 0.9, null), { counted: true, change: null });
      assert.deepEqual(await count(1, 100, 0.9, null), { counted: false, change: null });
      assert.deepEqual((await store().curriculumWindow('arith')).map((v) => [v.evaluationId, v.value, v.eventId]), [[1, 0.9, 100]]);
      assert.equal(decideLevel(c.spec, 0, [0.9, 0.95]).direction, 'promote');
      const second = await count(2, 101, 0.95, promote);
      assert.equal(second.counted, true);
      assert.deepEqual({ ...second.change, id: 0, at: 0 }, { ...promote, id: 0, causeEventId: 101, by: 'system', at: 0 });
      const now = (await store().getCurriculum('arith'))!;
      assert.deepEqual([now.level, now.levelName, now.state], [1, 'medium', 'active']);
      const [changed] = await store().listEvents({ types: ['curriculum.level_changed'] });
      assert.equal(now.enteredEventId, changed.id);
      assert.deepEqual(changed.data, { curriculum: 'arith', from: 0, to: 1, fromLevel: 'easy', toLevel: 'medium', direction: 'promote', reason: promote.reason, values: [0.9, 0.9], historyId: second.change!.id });
      // The new level's window is empty; a value read against the old entry is not counted.
      assert.deepEqual(await store().curriculumWindow('arith'), []);
      assert.deepEqual(await count(3, 102, 0.9, promote), { counted: false, change: null });
      assert.equal((await store().listCurriculumHistory('arith')).length, 1);
      await assert.rejects(store().countCurriculumEvaluation('nope', { enteredEventId: 1, evaluationId: 1, jobId: 1, eventId: 1, value: 1 }, null, T0), NotFoundError);
    });

    it('completes from the last level, then counts nothing until a manual move', async () => {
      await store().applyCurriculum(spec(), 'a', T0);
      const set = await store().setCurriculumLevel('arith', { to: 1, reason: 'start at medium', by: 'bob' }, T0 + 1);
      assert.deepEqual([set.direction, set.from, set.to, set.by, set.reason, set.causeEventId, set.values], ['set', 0, 1, 'bob', 'start at medium', null, []]);
      const c = (await store().getCurriculum('arith'))!;
      const done: LevelChange = { ...promote, from: 1, to: 1, fromLevel: 'medium', toLevel: 'medium', completed: true };
      const made = await store().countCurriculumEvaluation('arith', { enteredEventId: c.enteredEventId, evaluationId: 5, jobId: 7, eventId: 200, value: 0.9 }, done, T0 + 2);
      assert.equal(made.change?.completed, true);
      const after = (await store().getCurriculum('arith'))!;
      assert.deepEqual([after.state, after.level, after.enteredEventId], ['completed', 1, c.enteredEventId]);
      const [completed] = await store().listEvents({ types: ['curriculum.completed'] });
      assert.deepEqual(completed.data, { curriculum: 'arith', level: 1, levelName: 'medium', reason: promote.reason, values: [0.9, 0.9], historyId: made.change!.id });
      assert.equal((await store().countCurriculumEvaluation('arith', { enteredEventId: c.enteredEventId, evaluationId: 6, jobId: 7, eventId: 201, value: 0.9 }, null, T0)).counted, false);
      await store().setCurriculumLevel('arith', { to: 0, reason: 'again', by: 'bob' }, T0 + 3);
      assert.equal((await store().getCurriculum('arith'))!.state, 'active');
      assert.deepEqual((await store().listCurriculumHistory('arith')).map((h) => h.direction), ['set', 'promote', 'set']);
      assert.deepEqual((await store().listCurriculumHistory('arith', 1)).map((h) => h.reason), ['again']);
      await assert.rejects(store().setCurriculumLevel('arith', { to: 2, reason: 'x', by: 'b' }, T0), ValidationError);
      await assert.rejects(store().setCurriculumLevel('nope', { to: 0, reason: 'x', by: 'b' }, T0), NotFoundError);
      assert.deepEqual(await types(), ['curriculum.updated', 'curriculum.level_changed', 'curriculum.completed', 'curriculum.level_changed']);
    });
  });
}
