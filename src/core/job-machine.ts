/**
 * The job and run state machines, as one table each. Every change of a job's state names one
 * transition of `JOB_TRANSITIONS`; the store applies it only from the states the table lists
 * (its SQL guards are derived from this table), so the machine lives here and nowhere else.
 * Pure.
 *
 * ```
 *            claim              run-ended (success / exhausted / stop)
 *   queued ───────► running ─────────────────────────► succeeded | failed | stopped
 *    │ ▲ ▲            │  │ request-stop          ▲
 *    │ │ │            │  └──────────► stopping ──┘ run-ended
 *    │ │ │            │ request-pause     │
 *    │ │ │            └──────► pausing ───┘ (request-stop)
 *    │ │ └── run-ended (retry, preempted) ◄─┤
 *    │ └── resume ── paused ◄── run-ended ──┘
 *    └── hold ──────►  │
 *    cancel / fail-unstarted ─► stopped | failed        paused ── cancel ─► stopped
 * ```
 */
import { TERMINAL_JOB_STATES, type JobState, type RunState } from './types.ts';

/** What made a job change state. */
export type JobTransition =
  /** A run of the job was started on the slots the scheduler picked. */
  | 'claim'
  /** A pause before any run started: the job waits in `paused`. */
  | 'hold'
  /** A stop before a run started (or while paused): the job ends `stopped` without a run. */
  | 'cancel'
  /** The job cannot start (a dependency failed, no slot can ever fit it). */
  | 'fail-unstarted'
  /** A stop, or a watchdog (stuck, diverged, time limit), asks the running run to end. */
  | 'request-stop'
  /** A pause or a preemption asks the running run to checkpoint and end. */
  | 'request-pause'
  /** A paused job goes back to the queue; its next run resumes from its latest checkpoint. */
  | 'resume'
  /** The job's run ended; `decideRunEnd` picks the next state (done, retried, paused, requeued). */
  | 'run-ended';

export interface TransitionRule {
  readonly from: readonly JobState[];
  readonly to: readonly JobState[];
}

/** The job state machine: from which states each transition may start, and where it may lead. */
export const JOB_TRANSITIONS: Readonly<Record<JobTransition, TransitionRule>> = Object.freeze({
  claim: { from: ['queued'], to: ['running'] },
  hold: { from: ['queued'], to: ['paused'] },
  cancel: { from: ['queued', 'paused'], to: ['stopped'] },
  'fail-unstarted': { from: ['queued'], to: ['failed'] },
  'request-stop': { from: ['running', 'pausing'], to: ['stopping'] },
  'request-pause': { from: ['running'], to: ['pausing'] },
  resume: { from: ['paused'], to: ['queued'] },
  'run-ended': { from: ['running', 'stopping', 'pausing'], to: ['queued', 'paused', 'succeeded', 'failed', 'stopped'] },
});

export function isTerminal(state: JobState): boolean {
  return TERMINAL_JOB_STATES.includes(state);
}

/** Whether `transition` may take a job from `from` to `to`. */
export function allows(transition: JobTransition, from: JobState, to: JobState): boolean {
  const rule = JOB_TRANSITIONS[transition];
  return rule.from.includes(from) && rule.to.includes(to);
}

/** The transitions that may start from `state`. */
export function transitionsFrom(state: JobState): JobTransition[] {
  return (Object.keys(JOB_TRANSITIONS) as JobTransition[]).filter((t) => JOB_TRANSITIONS[t].from.includes(state));
}

/** running → succeeded | failed | stopped | lost; a run never changes state again after that. */
export const RUN_TRANSITIONS: Readonly<Record<RunState, readonly RunState[]>> = Object.freeze({
  running: ['succeeded', 'failed', 'stopped', 'lost'],
  succeeded: [],
  failed: [],
  stopped: [],
  lost: [],
});
