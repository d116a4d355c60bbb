/**
 * A study and its trials as the store keeps them (docs/studies.md). A trial's state is never
 * stored: it is its job's (`pending` before it was launched), so a crashed trial cannot be left
 * "running" when its job is not.
 */
import type { EarlyStopDecision } from './early-stopping.ts';
import type { JobState, RunOutcome } from './types.ts';
import type { StudySpec } from './study.ts';

/**
 * running: trials are launched as slots free up; paused: none is launched (by a person, or by the
 * circuit breaker, with the reason); completed: every trial launched and ended; stopped: by a person.
 */
export const STUDY_STATES = ['running', 'paused', 'completed', 'stopped'] as const;
export type StudyState = (typeof STUDY_STATES)[number];

/** A trial's state: `pending` (not launched), else its job's state. */
export type TrialState = 'pending' | JobState;

/** Job states in which a trial holds a parallelism slot (launched and not ended). */
export const ACTIVE_JOB_STATES: readonly JobState[] = ['queued', 'running', 'stopping', 'pausing', 'paused'];
/** Job states in which a trial has ended. */
export const ENDED_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'stopped'];

export interface TrialCounts {
  readonly pending: number;
  /** Launched, not ended (queued, running, stopping, pausing, paused): each holds a parallelism slot. */
  readonly active: number;
  /** Paused by early stopping (ASHA `action: pause`): not ended, but holding no slot. */
  readonly held: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly stopped: number;
}

export interface Study {
  readonly id: number;
  readonly name: string;
  readonly spec: StudySpec;
  readonly state: StudyState;
  /** Why it is paused or stopped ("3 consecutive trials failed with cuda-oom …"); null otherwise. */
  readonly reason: string | null;
  /** How many trials it has (= the runs it may launch: the cap). */
  readonly trialCount: number;
  readonly counts: TrialCounts;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** The circuit breaker counts trials that ended after this time (strictly): its creation, then each resume. */
  readonly breakerSince: number;
}

/**
 * An early-stopping decision as recorded on a trial: the last one that was not `continue`, or the
 * last rung passed. Policy `external`: the searcher pruned the trial or gave it up (`tell`, study-ask.ts).
 */
export interface TrialDecision extends Omit<EarlyStopDecision, 'policy'> {
  readonly policy: EarlyStopDecision['policy'] | 'external';
  /**
   * What the runner did: `stop` or `pause` (ASHA `action: pause`), or `continue`; `resume`: a
   * trial ASHA paused that ranked in at its rung when the study was widened (core/study-widen.ts),
   * its job resumed.
   */
  readonly carriedOut: 'continue' | 'stop' | 'pause' | 'resume';
  readonly decidedAt: number;
}

export interface Trial {
  readonly studyId: number;
  readonly index: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly seed: number | null;
  readonly group: number;
  readonly jobId: number | null;
  readonly launchedAt: number | null;
  readonly state: TrialState;
  /** The job's outcome once it ended (its classification is `outcome.kind`). */
  readonly outcome: RunOutcome | null;
  readonly endedAt: number | null;
  readonly decision: TrialDecision | null;
}

/** The state of a trial from its job's (null: not launched). */
export function trialState(jobState: JobState | null): TrialState {
  return jobState ?? 'pending';
}
