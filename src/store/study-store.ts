/** Studies' part of the Store (see store.ts for the rules every verb keeps; core/study.ts, docs/studies.md). */
import type { AskRefusal } from '../core/study-ask.ts';
import type { Study, StudyState, Trial, TrialDecision } from '../core/study-record.ts';
import type { StudySpec, Variant } from '../core/study.ts';
import type { Job, JobSpec } from '../core/types.ts';

/** A change of a study's state, with why (paused, stopped) and who (`user`, `circuit-breaker`). */
export interface StudyStateChange {
  readonly to: Exclude<StudyState, 'running'> | 'running';
  readonly reason: string | null;
  readonly by: 'user' | 'circuit-breaker' | 'runner';
}

/** A widening planned by core/study-widen.ts, written by `widenStudy`. */
export interface StudyWidening {
  /** The widened spec (its `maxRuns` raised; a random search's count grown). */
  readonly spec: StudySpec;
  /** The cap before, for the event. */
  readonly previousMaxRuns: number;
  /** The trials the plan was made against: the widening is refused when the study has other trials now. */
  readonly trialCount: number;
  /** New pending trials, indexed from `trialCount` on. */
  readonly added: readonly Variant[];
  /** Trials ASHA paused that rank in now, each with its `resume` decision (at its rung). */
  readonly resumed: readonly { readonly index: number; readonly decision: TrialDecision }[];
}

/**
 * Studies and their trials. A trial is launched at most once: its job is created and the trial
 * marked launched in one transaction (`launchTrial`), so a crash can neither launch a variant
 * twice nor lose one, and the number of jobs a study made never exceeds its trials (the cap).
 */
export interface StudyStore {
  /**
   * Stores a running study and one pending trial per variant, with `study.created`, atomically.
   * ConflictError when a study of that name exists.
   */
  createStudy(spec: StudySpec, variants: readonly Variant[], now: number): Promise<Study>;
  getStudy(name: string): Promise<Study | null>;
  /** Every study, newest first. */
  listStudies(): Promise<Study[]>;
  /** The trials of a study in index order, each with its job's state, outcome and end. */
  listTrials(studyId: number): Promise<Trial[]>;
  /** Which study and trial a job belongs to, or null when it is no trial's. */
  trialOfJob(jobId: number): Promise<{ readonly study: string; readonly studyId: number; readonly index: number } | null>;
  /**
   * Creates the trial's job from `spec` (as `createJob` does, with `job.submitted`) and records it
   * on the trial, in one transaction. Null, and nothing written, when the trial was launched
   * already, the study is not `running`, or it has `parallelism` trials launched and not ended.
   */
  launchTrial(studyId: number, index: number, spec: JobSpec, now: number): Promise<{ trial: Trial; job: Job } | null>;
  /**
   * An external searcher's ask (`search: external`, core/study-ask.ts): adds the study's next
   * trial (index = its trial count) with `params` and creates its job from `jobSpec(index)`, in
   * one transaction, as `launchTrial` does. Nothing written, and the refusal answered, when the
   * study is not `running`, has `maxRuns` trials already, or `parallelism` trials open.
   */
  askTrial(studyId: number, params: Readonly<Record<string, unknown>>, jobSpec: (index: number) => JobSpec, now: number): Promise<{ trial: Trial; job: Job } | AskRefusal>;
  /**
   * Moves a study to `change.to` with its event (`study.paused`, `study.resumed`,
   * `study.completed`, `study.stopped`): running → paused | completed | stopped, paused → running
   * | stopped. Null, and nothing written, when the study is not in a state that leads there
   * (a second pause, a completed study); NotFoundError for an unknown id.
   */
  setStudyState(studyId: number, change: StudyStateChange, now: number): Promise<Study | null>;
  /**
   * Records an early-stopping decision on a trial; a decision that stops or pauses it appends
   * `study.trial_stopped`. A decision at a step no later than the one recorded is ignored (false),
   * so the same rung is never decided twice, across restarts.
   */
  recordTrialDecision(studyId: number, index: number, decision: TrialDecision, now: number): Promise<boolean>;
  /**
   * Widens a study (core/study-widen.ts) in one transaction with `study.widened`: stores the
   * spec, adds the pending trials, records each resumed trial's decision (it holds a slot
   * again), and reopens a completed study (running; the circuit breaker counts afresh). A paused
   * study stays paused. ConflictError, nothing written, when the study was stopped, its trial
   * count is no longer `widening.trialCount`, or a trial to resume is no longer held by early
   * stopping; NotFoundError for an unknown id.
   */
  widenStudy(studyId: number, widening: StudyWidening, now: number): Promise<Study>;
}
