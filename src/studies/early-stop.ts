/**
 * Early stopping of a study's losers (docs/studies.md#early-stopping): each pass reads the new
 * points of the objective metric of every launched trial from the store (so it needs no hook in
 * the run intake and survives a restart as it is: the points and the decisions are stored), asks
 * the pure policy (core/early-stopping.ts) about each running trial, records the decision on the
 * trial with its numbers, and stops (or, ASHA `action: pause`, pauses) the losers.
 *
 * - ASHA: a trial's value at a rung is its last value at a step <= the rung, taken once it has
 *   reported a step >= the rung (so it never changes). Each rung is decided once per trial (the
 *   store keeps the last decided step), continue decisions included.
 * - Median: checked at each new step the interval rule picks (`medianChecksAt`), against the
 *   trials that completed (their job succeeded, not stopped early); only stop decisions are
 *   recorded. A trial's first pass (and the first after a restart) checks its latest step only.
 */
import {
  ashaDecide, ashaRungs, bestValue, medianChecksAt, medianDecide, type AshaConfig, type EarlyStopDecision, type MedianConfig,
} from '../core/early-stopping.ts';
import type { Study, Trial, TrialDecision } from '../core/study-record.ts';
import type { JobControl } from '../control/job-control.ts';
import type { Store } from '../store/store.ts';

export interface EarlyStopperDeps {
  readonly store: Store;
  readonly jobs: Pick<JobControl, 'requestStop' | 'pause'>;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

/** The points read so far of one job's metric, ascending by step. */
interface Series {
  readonly steps: number[];
  readonly values: number[];
  /** Steps up to which median checks were made (null: none yet). */
  checkedTo: number | null;
  /** The job had ended when last read: nothing more will come. */
  final: boolean;
}

export interface EarlyStopper {
  /** One pass over every running study with early stopping. */
  pass(): Promise<void>;
}

/** The last value at a step <= `step`, once the series reached `step`; else null. */
export function valueAtStep(series: { readonly steps: ArrayLike<number>; readonly values: ArrayLike<number> }, step: number): number | null {
  const { steps, values } = series;
  if (steps.length === 0 || steps[steps.length - 1] < step) return null;
  let lo = 0;
  let hi = steps.length - 1;
  if (steps[0] > step) return values[0];
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (steps[mid] <= step) lo = mid;
    else hi = mid - 1;
  }
  return values[lo];
}

export function createEarlyStopper(deps: EarlyStopperDeps): EarlyStopper {
  const { store } = deps;
  /** By job id; a study's series stay while the server runs (a few numbers per step per trial). */
  const cache = new Map<number, Series>();

  async function seriesOf(trial: Trial, metric: string): Promise<Series> {
    const jobId = trial.jobId!;
    let series = cache.get(jobId);
    if (series === undefined) {
      series = { steps: [], values: [], checkedTo: null, final: false };
      cache.set(jobId, series);
    }
    if (series.final) return series;
    const ended = trial.state === 'succeeded' || trial.state === 'failed' || trial.state === 'stopped';
    const last = series.steps.length > 0 ? series.steps[series.steps.length - 1] : null;
    const points = await store.readSeries(jobId, metric, last === null ? undefined : { from: last + 1 });
    for (let i = 0; i < points.steps.length; i++) {
      series.steps.push(points.steps[i]);
      series.values.push(points.values[i]);
    }
    series.final = ended;
    return series;
  }

  async function carryOut(study: Study, trial: Trial, decision: EarlyStopDecision, action: 'stop' | 'pause'): Promise<void> {
    const carriedOut = decision.action === 'continue' ? 'continue' : action;
    const recorded: TrialDecision = { ...decision, carriedOut, decidedAt: deps.now() };
    if (!(await store.recordTrialDecision(study.id, trial.index, recorded, deps.now()))) return;
    if (carriedOut === 'continue') return;
    deps.log(`study ${study.name}: trial ${trial.index} (job ${trial.jobId}) ${carriedOut === 'stop' ? 'stopped' : 'paused'} early: ${decision.reason}`);
    if (carriedOut === 'stop') await deps.jobs.requestStop(trial.jobId!, 'stop');
    else await deps.jobs.pause(trial.jobId!);
  }

  /**
   * A trial still running with a recorded stop (or pause): the server died between recording the
   * decision and carrying it out. Carried out again (a stop request of a stopping job changes nothing).
   */
  async function finishDecided(trial: Trial): Promise<boolean> {
    const carried = trial.decision?.carriedOut;
    if (carried === undefined || carried === 'continue' || carried === 'resume') return false;
    if (carried === 'stop') await deps.jobs.requestStop(trial.jobId!, 'stop');
    else await deps.jobs.pause(trial.jobId!);
    return true;
  }

  async function asha(study: Study, cfg: AshaConfig, trials: readonly Trial[], all: Map<number, Series>): Promise<void> {
    const rungs = ashaRungs(cfg);
    for (const trial of trials) {
      if (trial.state !== 'running' || (await finishDecided(trial))) continue;
      const series = all.get(trial.index)!;
      for (const rung of rungs) {
        if (trial.decision !== null && rung <= trial.decision.step) continue;
        const value = valueAtStep(series, rung);
        if (value === null) break;
        const valuesAtRung = new Map<number, number>();
        for (const [index, other] of all) {
          const v = valueAtStep(other, rung);
          if (v !== null) valuesAtRung.set(index, v);
        }
        const decision = ashaDecide(cfg, trial.index, rung, valuesAtRung);
        await carryOut(study, trial, decision, cfg.action);
        if (decision.action === 'stop') break;
      }
    }
  }

  async function median(study: Study, cfg: MedianConfig, trials: readonly Trial[], all: Map<number, Series>): Promise<void> {
    const completed = trials.filter((t) => t.state === 'succeeded' && t.decision?.carriedOut !== 'stop');
    const pool = completed.map((t) => all.get(t.index)!);
    for (const trial of trials) {
      if (trial.state !== 'running' || (await finishDecided(trial))) continue;
      const series = all.get(trial.index)!;
      // After a restart the checks start at the trial's latest step.
      if (series.checkedTo === null && series.steps.length > 0) series.checkedTo = series.steps[series.steps.length - 2] ?? null;
      for (let i = 0; i < series.steps.length; i++) {
        const step = series.steps[i];
        if (series.checkedTo !== null && step <= series.checkedTo) continue;
        series.checkedTo = step;
        if (!medianChecksAt(cfg, step, i > 0 ? series.steps[i - 1] : null)) continue;
        const others = pool.flatMap((s) => {
          const v = valueAtStep(s, step);
          return v === null ? [] : [v];
        });
        const best = bestValue(cfg.mode, series.values.slice(0, i + 1));
        const decision = medianDecide(cfg, trial.index, step, best, others, completed.length);
        if (decision.action === 'stop') {
          await carryOut(study, trial, decision, 'stop');
          break;
        }
      }
    }
  }

  return {
    async pass() {
      for (const study of await store.listStudies()) {
        const cfg = study.spec.earlyStopping;
        if (study.state !== 'running' || cfg === null) continue;
        const trials = (await store.listTrials(study.id)).filter((t) => t.jobId !== null);
        if (!trials.some((t) => t.state === 'running')) continue;
        const metric = 'asha' in cfg ? cfg.asha.metric : cfg.median.metric;
        const all = new Map<number, Series>();
        for (const trial of trials) all.set(trial.index, await seriesOf(trial, metric));
        if ('asha' in cfg) await asha(study, cfg.asha, trials, all);
        else await median(study, cfg.median, trials, all);
      }
    },
  };
}
