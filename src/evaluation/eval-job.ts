/**
 * The job that runs one evaluation: the suite's command on one checkpoint, as its own job.
 * Pure: a suite, a checkpoint and the evaluated job in, a job spec out.
 *
 * It never takes a slot from training: low priority class at the bottom of the class (so it
 * outranks no job and never preempts one), preemptible (any training job that needs its slot
 * pauses it; it is then run again from the start), no fair-share owner (it does not count
 * against the evaluated job's owner). The stuck watchdog is off (an evaluation may report once,
 * at its end; `timeLimitSeconds` bounds it) and so is divergence (its loss is not training's).
 */
import type { EvalSuite } from '../core/eval-suite.ts';
import type { Checkpoint, Job, JobSpec } from '../core/types.ts';

/** The lowest priority value a spec may have: an evaluation outranks nothing. */
export const EVALUATION_PRIORITY = Object.freeze({ class: 'low' as const, value: -1_000_000 });

/** Tag every evaluation job carries (`trainyard ls --tag evaluation`). */
export const EVALUATION_TAG = 'evaluation';

/** Environment an evaluation's command gets beside the training contract's (docs/evaluation.md). */
export function evaluationEnv(suite: Pick<EvalSuite, 'name' | 'version'>, checkpoint: Checkpoint): Record<string, string> {
  return {
    TRAINYARD_EVAL_CHECKPOINT: checkpoint.path,
    TRAINYARD_EVAL_CHECKPOINT_ID: String(checkpoint.id),
    TRAINYARD_EVAL_STEP: String(checkpoint.step),
    TRAINYARD_EVAL_JOB_ID: String(checkpoint.jobId),
    TRAINYARD_EVAL_SUITE: suite.name,
    TRAINYARD_EVAL_SUITE_VERSION: String(suite.version),
  };
}

export function evaluationJobSpec(suite: EvalSuite, checkpoint: Checkpoint, evaluated: Pick<Job, 'id' | 'spec'> | null): JobSpec {
  const of = evaluated ? `${evaluated.spec.name} (job ${evaluated.id})` : `job ${checkpoint.jobId}`;
  return {
    name: `eval ${suite.name} · ${of} step ${checkpoint.step}`.slice(0, 200),
    command: suite.command,
    shell: suite.shell,
    cwd: suite.cwd,
    env: { ...suite.env, ...evaluationEnv(suite, checkpoint) },
    params: {},
    resources: suite.resources,
    maxRetries: suite.maxRetries,
    keepCheckpoints: 0,
    stopGraceSeconds: 30,
    tags: [EVALUATION_TAG, `suite:${suite.name}`, `evaluates:${checkpoint.jobId}`],
    priority: EVALUATION_PRIORITY,
    preemptible: true,
    after: [],
    timeLimitSeconds: suite.timeLimitSeconds,
    owner: null,
    watchdog: { stuckSeconds: null, divergence: null },
    ...(suite.datasets ? { datasets: suite.datasets, datasetLevel: 'standard' as const } : {}),
  };
}
