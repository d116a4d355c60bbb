/** Studies as the API answers them (core/api/studies.ts holds the schemas). */
import { ashaRungs } from '../core/early-stopping.ts';
import type { Study, Trial } from '../core/study-record.ts';
import type { StudySpec, Variant } from '../core/study.ts';
import { searchSize } from '../core/study-variants.ts';
import type { StudySummary, StudyView, DryRunView, TrialView } from '../core/api/studies.ts';

export type { StudySummary, StudyView, DryRunView, TrialView } from '../core/api/studies.ts';

/** The rungs (steps) of an ASHA plan, or null without ASHA. */
export function rungPlan(spec: StudySpec): number[] | null {
  return spec.earlyStopping && 'asha' in spec.earlyStopping ? ashaRungs(spec.earlyStopping.asha) : null;
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

export function trialView(trial: Trial, latest: Record<string, { step: number; value: number }> | undefined, metric: string | null): TrialView {
  const point = metric && latest ? latest[metric] : undefined;
  return {
    index: trial.index,
    params: trial.params,
    seed: trial.seed,
    group: trial.group,
    jobId: trial.jobId,
    state: trial.state,
    outcome: trial.outcome && { kind: trial.outcome.kind, detail: trial.outcome.detail },
    launchedAt: trial.launchedAt,
    endedAt: trial.endedAt,
    objective: point ? { step: point.step, value: finite(point.value) } : null,
    decision: trial.decision && {
      policy: trial.decision.policy, action: trial.decision.carriedOut, step: trial.decision.step,
      value: trial.decision.value === null ? null : finite(trial.decision.value),
      cutoff: trial.decision.cutoff === null ? null : finite(trial.decision.cutoff),
      rank: trial.decision.rank, of: trial.decision.of, reason: trial.decision.reason, decidedAt: trial.decision.decidedAt,
    },
  };
}

export function studySummary(study: Study): StudySummary {
  return {
    name: study.name,
    state: study.state,
    reason: study.reason,
    trialCount: study.trialCount,
    counts: study.counts,
    parallelism: study.spec.parallelism,
    maxRuns: study.spec.maxRuns ?? study.trialCount,
    search: study.spec.search.kind,
    objective: study.spec.objective,
    createdAt: study.createdAt,
    updatedAt: study.updatedAt,
  };
}

/** The study with every trial, its latest objective value, and the best trial so far. */
export function studyView(study: Study, trials: readonly Trial[], latest: ReadonlyMap<number, Record<string, { step: number; value: number }>>): StudyView {
  const objective = study.spec.objective;
  const views = trials.map((t) => trialView(t, t.jobId === null ? undefined : latest.get(t.jobId), objective?.metric ?? null));
  let best: StudyView['best'] = null;
  if (objective) {
    for (const t of views) {
      const value = t.objective?.value;
      if (value === null || value === undefined) continue;
      if (best === null || (objective.mode === 'min' ? value < best.value : value > best.value)) best = { index: t.index, jobId: t.jobId!, value };
    }
  }
  return { ...studySummary(study), spec: study.spec as unknown as Record<string, unknown>, rungs: rungPlan(study.spec), best, trials: views };
}

/** What a dry run answers: every variant, the sizes, and the rung plan; nothing stored. */
export function dryRunView(spec: StudySpec, variants: readonly Variant[]): DryRunView {
  const size = searchSize(spec);
  return {
    dryRun: true,
    name: spec.name,
    search: spec.search.kind,
    size: spec.search.kind === 'external' ? `${size.how}, up to maxRuns ${spec.maxRuns}` : `${size.how}${spec.seeds ? ` × ${spec.seeds} seeds` : ''} = ${variants.length} trials`,
    trialCount: variants.length,
    parallelism: spec.parallelism,
    maxRuns: spec.maxRuns ?? variants.length,
    rungs: rungPlan(spec),
    earlyStopping: spec.earlyStopping as Record<string, unknown> | null,
    variants: variants.map((v) => ({ index: v.index, params: v.params, seed: v.seed, group: v.group })),
  };
}
