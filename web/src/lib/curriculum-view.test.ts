import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCurriculum } from '../../../src/core/curriculum.ts';
import { demoteText, levelPlace, moveText, passes, promoteText, windowRows, windowText } from './curriculum-view.ts';

const spec = (promote: Record<string, unknown>, demote?: Record<string, unknown>) => parseCurriculum({
  name: 'arith', metric: 'accuracy', promote, ...(demote ? { demote } : {}),
  job: { command: ['python3', 'train.py'], cwd: '/srv' },
  levels: [{ name: 'easy', suite: 'arith-easy' }, { name: 'hard', suite: 'arith-hard' }],
});
const value = (i: number, v: number) => ({ evaluationId: i, jobId: 10 + i, eventId: 100 + i, value: v, at: 1000 * i });

describe('curriculum view', () => {
  it('reads the promote and demote rules in words', () => {
    assert.equal(promoteText(spec({ atLeast: 0.8, over: 3, ema: 0.5 })), 'promote when accuracy ≥ 0.8 on each of the last 3 evaluations (EMA 0.5)');
    assert.equal(promoteText(spec({ atMost: 0.45 })), 'promote when accuracy ≤ 0.45 on the last evaluation');
    assert.equal(demoteText(spec({ atLeast: 0.8 }, { below: 0.3, over: 2 })), 'demote when accuracy < 0.3 on each of the last 2 evaluations');
    assert.equal(demoteText(spec({ atLeast: 0.8 })), '');
    assert.ok(passes(spec({ atLeast: 0.8 }), 0.8));
    assert.ok(!passes(spec({ atMost: 0.45 }), 0.46));
  });

  it('places each level: passed, current, ahead; a completed curriculum passed its last', () => {
    assert.deepEqual([0, 1, 2].map((i) => levelPlace({ level: 1, state: 'active' }, i)), ['passed', 'current', 'ahead']);
    assert.deepEqual([0, 1].map((i) => levelPlace({ level: 1, state: 'completed' }, i)), ['passed', 'passed']);
  });

  it("marks the window's values against the bound, the last `need` counted, smoothed when the rule smooths", () => {
    const s = spec({ atLeast: 0.8, over: 2 });
    const detail = { spec: s, state: 'active' as const, window: { metric: 'accuracy', values: [value(1, 0.9), value(2, 0.7), value(3, 0.85)], smoothed: null, need: 2 } };
    assert.deepEqual(windowRows(detail).map((r) => [r.passes, r.counted]), [[true, false], [false, true], [true, true]]);
    assert.equal(windowText(detail), '1 of the last 2 pass ≥ 0.8');
    const smoothed = { ...detail, spec: spec({ atLeast: 0.8, over: 3, ema: 0.5 }), window: { ...detail.window, smoothed: [0.9, 0.8, 0.825], need: 3 } };
    assert.deepEqual(windowRows(smoothed).map((r) => r.passes), [true, true, true], 'the smoothed values are what passes');
    assert.equal(windowText({ ...detail, window: { ...detail.window, values: [value(1, 0.9)] } }), '1 of the last 1 pass ≥ 0.8 (1 more evaluation needed)');
    assert.equal(windowText({ ...detail, window: { ...detail.window, values: [] } }), 'no evaluations at this level yet; 2 needed');
    assert.match(windowText({ ...detail, state: 'completed' }), /^completed/);
  });

  it('reads a move', () => {
    assert.equal(moveText({ fromLevel: 'easy', toLevel: 'hard', completed: false }), 'easy → hard');
    assert.equal(moveText({ fromLevel: 'hard', toLevel: 'hard', completed: true }), 'hard (completed)');
  });
});
