/** The evaluations' part of the Store (see store.ts for the rules every verb keeps). */
import type { Checkpoint, Job, JobSpec } from '../core/types.ts';
import type { Evaluation, EvaluationResult, EvaluationState, EvaluationTrigger } from '../core/eval-record.ts';
import type { EvalSuite, EvalSuiteSpec } from '../core/eval-suite.ts';

/** Which evaluations `listEvaluations` returns; every given part must match. */
export interface EvaluationFilter {
  /** Evaluations of checkpoints of this job. */
  readonly jobId?: number;
  readonly suite?: string;
  readonly checkpointId?: number;
  readonly state?: EvaluationState;
  /** Oldest (lowest id) first, at most this many. Default: 1,000. */
  readonly limit?: number;
}

/** An evaluation to create: the suite version it runs, the checkpoint, and why. */
export interface NewEvaluation {
  readonly suite: Pick<EvalSuite, 'name' | 'version'>;
  readonly checkpoint: Checkpoint;
  readonly trigger: EvaluationTrigger;
}

/**
 * Eval suites (versioned definitions) and evaluations (src/evaluation, docs/evaluation.md).
 * Each change appends its event in its transaction: `eval_suite.saved`, `evaluation.started`
 * (with the evaluation's job and its `job.submitted`), `evaluation.done` (and
 * `evaluation.regression`), `evaluation.overridden`.
 */
export interface EvaluationStore {
  /**
   * Saves a suite definition as version 1, or as the next version when `replace` is given and
   * the definition differs from the latest one. The same definition again returns the latest
   * version with `created: false` and writes nothing. Throws ConflictError when the name has
   * another definition and `replace` is not given.
   */
  saveEvalSuite(spec: EvalSuiteSpec, now: number, options?: { readonly replace?: boolean }): Promise<{ suite: EvalSuite; created: boolean }>;
  /** The latest version of a suite (or version `version`); null when there is none. */
  getEvalSuite(name: string, version?: number): Promise<EvalSuite | null>;
  /** The latest version of every suite, by name. */
  listEvalSuites(): Promise<EvalSuite[]>;
  /**
   * Creates an evaluation and the job that runs it (`spec`), in one transaction with
   * `job.submitted` and `evaluation.started`. At most one evaluation per (checkpoint, suite):
   * when one exists, it is returned with `created: false`, `job` null and nothing written, so
   * a replayed event creates nothing. Throws NotFoundError for an unknown suite version.
   */
  createEvaluation(evaluation: NewEvaluation, spec: JobSpec, now: number): Promise<{ evaluation: Evaluation; job: Job | null; created: boolean }>;
  getEvaluation(id: number): Promise<Evaluation | null>;
  /** The evaluation a job runs, or null when the job is not an evaluation's. */
  getEvaluationByJob(evalJobId: number): Promise<Evaluation | null>;
  listEvaluations(filter?: EvaluationFilter): Promise<Evaluation[]>;
  /**
   * A running evaluation ended with `result`: `done`, with `evaluation.done` (and
   * `evaluation.regression` when it found any). Null, and nothing written, when it is done
   * already (a replayed event). Throws NotFoundError.
   */
  completeEvaluation(id: number, result: EvaluationResult, now: number): Promise<Evaluation | null>;
  /**
   * Records a manual "promote anyway" with `evaluation.overridden`. Throws NotFoundError, or
   * ConflictError when the evaluation is running or was overridden already.
   */
  overrideEvaluation(id: number, override: { readonly by: string; readonly reason: string }, now: number): Promise<Evaluation>;
}
