/**
 * Leaderboards: the evaluations of one job (its checkpoints) or of one suite (across jobs), one
 * board per suite, ranked by composite score (core/eval-record.ts `rankEvaluations`), with the
 * suite's baseline and its score beside them (each row's result carries the baseline it was
 * judged against and its delta).
 */
import { rankEvaluations } from '../core/eval-record.ts';
import { compositeScore, type SuiteMetric } from '../core/evaluation.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import { evaluationViews, type EvaluationView } from './views.ts';

export interface LeaderboardQuery {
  /** Only this suite; every suite of the job's evaluations when absent (then `job` is needed). */
  readonly suite?: string;
  /** Only evaluations of this job's checkpoints; across jobs when absent. */
  readonly job?: number;
  /** Most evaluations read. Default: 1,000. */
  readonly limit?: number;
}

export interface LeaderboardBoard {
  readonly suite: string;
  readonly version: number;
  readonly metrics: readonly SuiteMetric[];
  readonly baseline: { readonly label: string; readonly values: Readonly<Record<string, number>>; readonly score: number | null } | null;
  readonly rows: ReadonlyArray<{ readonly rank: number | null; readonly jobName: string; readonly evaluation: EvaluationView }>;
}

/** Throws ValidationError when neither `suite` nor `job` is given, NotFoundError for an unknown one. */
export async function leaderboard(store: Store, query: LeaderboardQuery): Promise<{ boards: LeaderboardBoard[] }> {
  if (query.suite === undefined && query.job === undefined) throw new ValidationError('give suite, job or both', 'querystring.suite');
  if (query.job !== undefined && !(await store.getJob(query.job))) throw new NotFoundError('job', query.job);
  if (query.suite !== undefined && !(await store.getEvalSuite(query.suite))) throw new NotFoundError('eval suite', query.suite);
  const evaluations = await store.listEvaluations({ suite: query.suite, jobId: query.job, limit: query.limit });
  const views = await evaluationViews(store, evaluations);
  const jobNames = new Map<number, string>();
  for (const id of new Set(evaluations.map((e) => e.jobId))) jobNames.set(id, (await store.getJob(id))?.spec.name ?? `job ${id}`);
  const suites = query.suite !== undefined ? [query.suite] : [...new Set(evaluations.map((e) => e.suite))].sort();
  const boards: LeaderboardBoard[] = [];
  for (const name of suites) {
    const suite = await store.getEvalSuite(name);
    if (!suite) continue;
    const fixed = suite.baseline?.values ?? null;
    const ranked = rankEvaluations(views.filter((v) => v.suite === name));
    boards.push({
      suite: name,
      version: suite.version,
      metrics: suite.metrics,
      baseline: fixed ? { label: suite.baseline!.label, values: fixed, score: compositeScore(suite.metrics, fixed) } : null,
      rows: ranked.map(({ rank, evaluation }) => ({ rank, jobName: jobNames.get(evaluation.jobId) ?? `job ${evaluation.jobId}`, evaluation })),
    });
  }
  return { boards };
}
