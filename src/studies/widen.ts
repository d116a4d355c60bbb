/**
 * Widening a study (docs/studies.md, "Widening a study"; the rules in core/study-widen.ts): the
 * plan is made from the store (the study, its trials, the objective's value of every trial at
 * each paused trial's rung), written in one store transaction (`widenStudy`, with
 * `study.widened`), then carried out: the resumed trials' jobs resume (from their latest
 * checkpoints, as `trainyard resume` does) and the runner launches the new trials.
 *
 * A crash between the transaction and a job's resume leaves a trial whose decision says
 * `resume` and whose job is paused: the `studies` subscriber (on `study.widened`) and the pass
 * at start resume it (`carryOutResumes`), so nothing the widening decided is lost.
 */
import { ConflictError } from '../core/errors.ts';
import type { Study, Trial, TrialDecision } from '../core/study-record.ts';
import {
  checkWiden, currentMaxRuns, heldTrials, openTrials, planPromotions, standingReason, widenSearch, type HeldTrial, type WidenRequest,
} from '../core/study-widen.ts';
import type { Control } from '../control/control.ts';
import type { Store } from '../store/store.ts';
import { valueAtStep } from './early-stop.ts';

export interface WidenerDeps {
  readonly store: Store;
  readonly jobs: Pick<Control['jobs'], 'resume'>;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

/** What a widening did, before the study is viewed. */
export interface Widened {
  readonly study: Study;
  readonly added: number;
  readonly reopened: boolean;
  readonly resumed: readonly (HeldTrial & { readonly reason: string })[];
  readonly held: readonly (HeldTrial & { readonly reason: string })[];
}

export interface Widener {
  /** Plans, writes and carries out a widening (run it in the runner's serial queue). */
  widen(study: Study, request: WidenRequest): Promise<Widened>;
  /** Resumes the jobs of trials whose decision says `resume` and whose job is still paused (idempotent). */
  carryOutResumes(trials: readonly Trial[]): Promise<void>;
}

export function createWidener(deps: WidenerDeps): Widener {
  const { store } = deps;

  async function carryOutResumes(trials: readonly Trial[]): Promise<void> {
    for (const t of trials) {
      if (t.jobId === null || t.state !== 'paused' || t.decision?.carriedOut !== 'resume') continue;
      try {
        await deps.jobs.resume(t.jobId);
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error; // it moved on meanwhile
      }
    }
  }

  /** The ASHA metric's value of every launched trial at each rung asked for (index → value). */
  async function valuesAtRungs(study: Study, trials: readonly Trial[], rungs: readonly number[]): Promise<Map<number, Map<number, number>>> {
    const es = study.spec.earlyStopping;
    const out = new Map(rungs.map((r) => [r, new Map<number, number>()]));
    if (!es || !('asha' in es) || rungs.length === 0) return out;
    for (const t of trials) {
      if (t.jobId === null) continue;
      const series = await store.readSeries(t.jobId, es.asha.metric);
      for (const rung of rungs) {
        const v = valueAtStep(series, rung);
        if (v !== null) out.get(rung)!.set(t.index, v);
      }
    }
    return out;
  }

  return {
    carryOutResumes,

    async widen(study, request) {
      checkWiden(study, request);
      const trials = await store.listTrials(study.id);
      const previousMaxRuns = currentMaxRuns(study);
      const search = request.maxRuns === undefined ? { spec: study.spec, added: [] } : widenSearch(study, trials, request.maxRuns);

      let resume: readonly HeldTrial[] = [];
      let stay: readonly HeldTrial[] = [];
      const metric = study.spec.earlyStopping && 'asha' in study.spec.earlyStopping ? study.spec.earlyStopping.asha.metric : '';
      if (request.resumePaused) {
        const held = heldTrials(trials);
        const values = await valuesAtRungs(study, trials, [...new Set(held.map((t) => t.decision!.step))]);
        const plan = planPromotions(study.spec, held, (rung) => values.get(rung) ?? new Map(), study.spec.parallelism - openTrials(trials));
        resume = plan.resume;
        stay = plan.stay;
      }
      const withReason = (h: HeldTrial, resumed: boolean) => ({ ...h, reason: standingReason(metric, h, resumed) });
      const changes = search.added.length > 0 || resume.length > 0 || (search.spec.maxRuns ?? previousMaxRuns) !== previousMaxRuns;
      if (!changes) {
        // Nothing to write: the answer says why each paused trial stays paused.
        return { study, added: 0, reopened: false, resumed: [], held: stay.map((h) => withReason(h, false)) };
      }
      const now = deps.now();
      const decisions = resume.map((h) => {
        const trial = trials.find((t) => t.index === h.index)!;
        const decision: TrialDecision = {
          ...trial.decision!, action: 'continue', carriedOut: 'resume', step: h.rung, value: h.value, rank: h.rank, of: h.of,
          cutoff: h.cutoff, reason: standingReason(metric, h, true), decidedAt: now,
        };
        return { index: h.index, decision };
      });
      const widened = await store.widenStudy(study.id, { spec: search.spec, previousMaxRuns, trialCount: study.trialCount, added: search.added, resumed: decisions }, now);
      const reopened = study.state === 'completed';
      deps.log(`study ${study.name}: widened to maxRuns ${widened.spec.maxRuns ?? widened.trialCount}: ${search.added.length} trials added, ${resume.length} resumed${reopened ? ', reopened' : ''}`);
      await carryOutResumes(await store.listTrials(study.id));
      return { study: widened, added: search.added.length, reopened, resumed: resume.map((h) => withReason(h, true)), held: stay.map((h) => withReason(h, false)) };
    },
  };
}
