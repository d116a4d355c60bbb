/**
 * The evaluation service: reacts to the durable event log through one subscriber
 * (`evaluations`), and takes the manual requests of the API (run a suite on a checkpoint,
 * override a verdict).
 *
 * - `checkpoint.registered` of a job whose spec asks for suites (`evaluate`): one evaluation
 *   per suite, created with the job that runs it in one store transaction. A replayed event
 *   (at-least-once delivery, a server killed before its cursor moved) finds the evaluation and
 *   creates nothing.
 * - `job.state_changed` to a terminal state of an evaluation's job: its result (verdict, diffs,
 *   score, regression alarm: core/eval-record.ts) is stored with `evaluation.done`. A replayed
 *   event finds the evaluation done and writes nothing.
 *
 * A handler that meets a problem no retry can fix (a suite or checkpoint gone) logs it and goes
 * on, so that one bad event never holds back the events behind it; anything else is thrown,
 * and the event log retries it.
 */
import { concludeEvaluation, type Evaluation, type EvaluationTrigger, isPromotable } from '../core/eval-record.ts';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import type { DomainEvent } from '../core/events.ts';
import { type Checkpoint, type Job, TERMINAL_JOB_STATES } from '../core/types.ts';
import type { Control } from '../control/control.ts';
import { jobView } from '../control/views.ts';
import type { Store } from '../store/store.ts';
import { type ModelBaselineResolver, resolveBaseline } from './baselines.ts';
import { evaluationJobSpec } from './eval-job.ts';
import { saveSuite, type SaveSuiteOptions } from './suites.ts';

/** The durable subscriber's name: its cursor is stored under it. */
export const EVALUATION_SUBSCRIBER = 'evaluations';

/** How many `from:` links the regression alarm follows back. */
const MAX_LINEAGE_DEPTH = 50;

export interface EvaluatorDeps {
  readonly store: Store;
  readonly control: Pick<Control, 'events' | 'bus' | 'poke'>;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Results of a model version, for suites whose baseline is `model` (the registry's). Default: none. */
  readonly modelBaseline?: ModelBaselineResolver;
}

export interface Evaluator {
  /** Subscribes to the event log (call before or after `control.start()`). */
  subscribe(): void;
  /** Saves a suite definition (suites.ts). */
  saveSuite(input: unknown, options?: SaveSuiteOptions): ReturnType<typeof saveSuite>;
  /**
   * Evaluates a checkpoint by a suite now (`trainyard eval run`). An existing evaluation of that
   * pair is returned with `created: false`. Throws NotFoundError (suite, checkpoint) or
   * ConflictError (the checkpoint's file was deleted).
   */
  run(suite: string, checkpointId: number): Promise<{ evaluation: Evaluation; created: boolean }>;
  /** Records a "promote anyway" (store: `overrideEvaluation`). */
  override(id: number, by: string, reason: string): Promise<Evaluation>;
  /** Handles one event as the subscriber does (exposed for tests). */
  handle(event: DomainEvent): Promise<void>;
}

export function createEvaluator(deps: EvaluatorDeps): Evaluator {
  const { store, control, now, log } = deps;

  async function start(suiteName: string, checkpoint: Checkpoint, evaluated: Job | null, trigger: EvaluationTrigger) {
    const suite = await store.getEvalSuite(suiteName);
    if (!suite) throw new NotFoundError('eval suite', suiteName);
    const spec = evaluationJobSpec(suite, checkpoint, evaluated);
    const made = await store.createEvaluation({ suite, checkpoint, trigger }, spec, now());
    if (made.job) {
      control.bus.publish({ type: 'job', jobId: made.job.id, data: jobView(made.job) });
      control.poke();
      log(`evaluation ${made.evaluation.id}: suite ${suite.name} on checkpoint ${checkpoint.id} (job ${checkpoint.jobId}, step ${checkpoint.step}) runs as job ${made.job.id}`);
    }
    return made;
  }

  async function onCheckpoint(registered: Checkpoint): Promise<void> {
    const evaluated = await store.getJob(registered.jobId);
    const suites = evaluated?.spec.evaluate ?? [];
    if (suites.length === 0) return;
    const checkpoint = await store.getCheckpoint(registered.id);
    if (!checkpoint || checkpoint.deleted) {
      log(`evaluation: checkpoint ${registered.id} of job ${registered.jobId} is gone before it was evaluated; not evaluated`);
      return;
    }
    for (const name of suites) {
      try {
        await start(name, checkpoint, evaluated, 'checkpoint');
      } catch (error) {
        if (!isPermanent(error)) throw error;
        log(`evaluation: suite ${name} on checkpoint ${checkpoint.id} of job ${checkpoint.jobId} not started: ${(error as Error).message}`);
      }
    }
  }

  async function onJobEnded(evalJobId: number): Promise<void> {
    const evaluation = await store.getEvaluationByJob(evalJobId);
    if (!evaluation || evaluation.state === 'done') return;
    const [job, suite] = await Promise.all([store.getJob(evalJobId), store.getEvalSuite(evaluation.suite, evaluation.suiteVersion)]);
    if (!job) throw new NotFoundError('job', evalJobId);
    if (!suite) throw new NotFoundError('eval suite', `${evaluation.suite} version ${evaluation.suiteVersion}`);
    const latest = await store.latestValues(evalJobId);
    const reported = Object.fromEntries(Object.entries(latest).map(([key, point]) => [key, point.value]));
    const earlier = [
      ...(await store.listEvaluations({ jobId: evaluation.jobId, suite: evaluation.suite, state: 'done' }))
        .filter((e) => e.result !== null && (e.step < evaluation.step || (e.step === evaluation.step && e.id < evaluation.id)))
        .map((e) => e.result!.values),
      ...(await ancestorResults(evaluation.jobId, evaluation.suite)),
    ];
    const result = concludeEvaluation({
      metrics: suite.metrics,
      tolerance: suite.regression.tolerance,
      job: { state: job.state, outcome: job.outcome },
      reported,
      baseline: await resolveBaseline(suite, deps.modelBaseline ?? null),
      earlier,
    });
    const done = await store.completeEvaluation(evaluation.id, result, now());
    if (done) {
      const alarm = result.regressions.length > 0 ? ' · REGRESSION' : '';
      log(`evaluation ${done.id}: ${result.verdict}${alarm} (suite ${done.suite}, job ${done.jobId} step ${done.step}): ${result.summary}`);
    }
  }

  /**
   * The results, by `suite`, of the checkpoints a job continues from (its `from:`, and theirs):
   * a continued job's "best so far" starts at the model it continued, so a checkpoint worse
   * than the version it would replace raises the regression alarm.
   */
  async function ancestorResults(jobId: number, suite: string): Promise<Array<Readonly<Record<string, number>>>> {
    const found: Array<Readonly<Record<string, number>>> = [];
    const seen = new Set<number>();
    let from = (await store.getJob(jobId))?.initFrom ?? null;
    while (from !== null && !seen.has(from.checkpointId) && seen.size < MAX_LINEAGE_DEPTH) {
      seen.add(from.checkpointId);
      for (const e of await store.listEvaluations({ checkpointId: from.checkpointId, suite, state: 'done' })) if (e.result) found.push(e.result.values);
      from = (await store.getJob(from.jobId))?.initFrom ?? null;
    }
    return found;
  }

  async function handle(event: DomainEvent): Promise<void> {
    if (event.type === 'checkpoint.registered') return onCheckpoint(event.data);
    if (event.type === 'job.state_changed' && event.jobId !== null && TERMINAL_JOB_STATES.includes(event.data.to)) {
      try {
        await onJobEnded(event.jobId);
      } catch (error) {
        if (!isPermanent(error)) throw error;
        log(`evaluation of job ${event.jobId} not concluded: ${(error as Error).message}`);
      }
    }
  }

  return {
    subscribe() {
      control.events.subscribe(EVALUATION_SUBSCRIBER, handle, { types: ['checkpoint.registered', 'job.state_changed'], startAt: 'beginning' });
    },

    saveSuite: (input, options) => saveSuite(store, input, now(), options),

    async run(suiteName, checkpointId) {
      const checkpoint = await store.getCheckpoint(checkpointId);
      if (!checkpoint) throw new NotFoundError('checkpoint', checkpointId);
      if (checkpoint.deleted) throw new ConflictError(`checkpoint ${checkpointId} (job ${checkpoint.jobId}, step ${checkpoint.step}): its file was deleted by retention`);
      const made = await start(suiteName, checkpoint, await store.getJob(checkpoint.jobId), 'manual');
      return { evaluation: made.evaluation, created: made.created };
    },

    async override(id, by, reason) {
      if (reason.trim() === '') throw new ValidationError('say why the verdict is overridden', 'reason');
      const current = await store.getEvaluation(id);
      if (!current) throw new NotFoundError('evaluation', id);
      if (current.override === null && isPromotable(current)) {
        throw new ConflictError(`evaluation ${id} is ${current.result?.verdict} with no regression: there is nothing to override`);
      }
      return store.overrideEvaluation(id, { by, reason: reason.trim() }, now());
    },

    handle,
  };
}

/** Errors a retry cannot fix: a missing suite, checkpoint or job, an invalid input. */
function isPermanent(error: unknown): boolean {
  return error instanceof NotFoundError || error instanceof ValidationError || error instanceof ConflictError;
}
