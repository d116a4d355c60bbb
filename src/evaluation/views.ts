/** Evaluations as the API sends them: the record plus its job's state and what follows from it. */
import { isPromotable, type Evaluation } from '../core/eval-record.ts';
import type { JobState } from '../core/types.ts';
import type { JobStore } from '../store/store.ts';

export function evaluationView(evaluation: Evaluation, evalJobState: JobState | null) {
  return {
    ...evaluation,
    evalJobState,
    regressed: (evaluation.result?.regressions.length ?? 0) > 0,
    promotable: isPromotable(evaluation),
  };
}

export type EvaluationView = ReturnType<typeof evaluationView>;

/** Views of several evaluations, each with the state of its job (one read per job). */
export async function evaluationViews(store: Pick<JobStore, 'getJob'>, evaluations: readonly Evaluation[]): Promise<EvaluationView[]> {
  const states = await Promise.all(evaluations.map(async (e) => (await store.getJob(e.evalJobId))?.state ?? null));
  return evaluations.map((e, i) => evaluationView(e, states[i]));
}
