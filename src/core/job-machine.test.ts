import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allows, JOB_TRANSITIONS, RUN_TRANSITIONS, transitionsFrom, type JobTransition } from './job-machine.ts';
import { JOB_STATES, LIVE_JOB_STATES, TERMINAL_JOB_STATES, type JobState } from './types.ts';

/** The machine written out edge by edge, independently of the table's shape. */
const EDGES: ReadonlyArray<[JobState, JobTransition, JobState]> = [
  ['queued', 'claim', 'running'],
  ['queued', 'hold', 'paused'],
  ['queued', 'cancel', 'stopped'],
  ['paused', 'cancel', 'stopped'],
  ['queued', 'fail-unstarted', 'failed'],
  ['running', 'request-stop', 'stopping'],
  ['pausing', 'request-stop', 'stopping'],
  ['running', 'request-pause', 'pausing'],
  ['paused', 'resume', 'queued'],
  ...(['running', 'stopping', 'pausing'] as const).flatMap((from) =>
    (['queued', 'paused', 'succeeded', 'failed', 'stopped'] as const).map((to) => [from, 'run-ended', to] as [JobState, JobTransition, JobState])),
];

describe('job state machine', () => {
  it('allows exactly the listed edges, over every (from, transition, to)', () => {
    const transitions = Object.keys(JOB_TRANSITIONS) as JobTransition[];
    let checked = 0;
    for (const from of JOB_STATES) {
      for (const transition of transitions) {
        for (const to of JOB_STATES) {
          const expected = EDGES.some(([f, t, s]) => f === from && t === transition && s === to);
          assert.equal(allows(transition, from, to), expected, `${from} --${transition}--> ${to}`);
          checked++;
        }
      }
    }
    assert.equal(checked, JOB_STATES.length ** 2 * transitions.length);
  });

  it('never leaves a terminal state', () => {
    for (const state of TERMINAL_JOB_STATES) assert.deepEqual(transitionsFrom(state), [], state);
  });

  it('reaches a terminal state from every state', () => {
    for (const start of JOB_STATES) {
      const seen = new Set<JobState>([start]);
      const frontier = [start];
      while (frontier.length > 0) {
        const state = frontier.pop()!;
        for (const t of transitionsFrom(state)) {
          for (const to of JOB_TRANSITIONS[t].to) if (!seen.has(to)) (seen.add(to), frontier.push(to));
        }
      }
      assert.ok(TERMINAL_JOB_STATES.some((s) => seen.has(s)), `${start} cannot end`);
    }
  });

  it('names the live states: those a run-ended leaves', () => {
    assert.deepEqual([...LIVE_JOB_STATES].sort(), [...JOB_TRANSITIONS['run-ended'].from].sort());
  });

  it('ends runs once', () => {
    assert.deepEqual(RUN_TRANSITIONS.running, ['succeeded', 'failed', 'stopped', 'lost']);
    for (const [state, next] of Object.entries(RUN_TRANSITIONS)) if (state !== 'running') assert.deepEqual(next, []);
  });
});
