/**
 * Early stopping of a study's losers, as pure decisions (docs/studies.md#early-stopping). The
 * study runner (src/studies/) feeds each trial's metric values here and carries out the answer.
 *
 * Terminology:
 * - trial: one variant of a study, run as a job; identified here by its index in the study.
 * - resource: what a trial spends; here its steps (the `step` of its metric points).
 * - rung (ASHA): a step at which trials are compared, `minResource · η^k` below `maxResource`.
 * - η (`reductionFactor`): about 1/η of the trials reaching a rung go on to the next one.
 * - decision: continue or stop, with the numbers behind it (value, cutoff, rank, of) and a
 *   one-line reason; the runner records it on the trial.
 *
 * Policies:
 * - ASHA, as Optuna's SuccessiveHalvingPruner decides (Ray Tune's AsyncHyperBand differs only in
 *   where the cutoff sits between values, see `ashaDecide`).
 * - Median stopping, as Optuna's MedianPruner (PercentilePruner at 50).
 * - The circuit breaker: N consecutive failed trials pause the study.
 */
import { z } from 'zod';
import { ValidationError } from './errors.ts';
import { validationErrorFrom } from './job-spec.ts';

/** Which way a metric improves. */
export type Direction = 'min' | 'max';

/** The study's objective, from which a policy takes its metric and mode when it names none. */
export interface Objective {
  readonly metric: string;
  readonly mode: Direction;
}

/** Defaults of the policies, each with its source. */
export const EARLY_STOPPING_DEFAULTS = Object.freeze({
  /** η. Default: 4, as Ray Tune's ASHAScheduler and Optuna's SuccessiveHalvingPruner. */
  reductionFactor: 4,
  /** What a stop does to the trial's job. Default: stop (pause keeps it resumable). */
  action: 'stop' as const,
  /** Completed trials before median stopping judges any. Default: 5, Optuna's n_startup_trials. */
  startupTrials: 5,
  /** Steps before which median stopping judges no trial. Default: 0, Optuna's n_warmup_steps. */
  warmupSteps: 0,
  /** Steps between median checks, after warm-up. Default: 1 (every report), Optuna's interval_steps. */
  intervalSteps: 1,
});

const metric = z.string().min(1).max(200);
const mode = z.enum(['min', 'max']);
const step = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

const ashaInput = z
  .strictObject({
    /** The metric compared at each rung. Default: the study's objective. */
    metric: metric.optional(),
    mode: mode.optional(),
    /** What the rungs count. Only `step` today. */
    resource: z.enum(['step']).default('step'),
    /** The first rung (Ray Tune's grace_period, Optuna's min_resource); `gracePeriod` is an alias. */
    minResource: z.int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    gracePeriod: z.int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    /** A trial's full length in steps; every rung lies below it (Ray Tune's max_t). */
    maxResource: z.int().min(2).max(Number.MAX_SAFE_INTEGER),
    reductionFactor: z.int().min(2).max(100).default(EARLY_STOPPING_DEFAULTS.reductionFactor),
    action: z.enum(['stop', 'pause']).default(EARLY_STOPPING_DEFAULTS.action),
  })
  .superRefine((a, ctx) => {
    if (a.minResource === undefined && a.gracePeriod === undefined) {
      ctx.addIssue({ code: 'custom', path: ['minResource'], message: 'is required (expected a whole number of steps: the first rung; gracePeriod is the same field)' });
    } else if (a.minResource !== undefined && a.gracePeriod !== undefined && a.minResource !== a.gracePeriod) {
      ctx.addIssue({ code: 'custom', path: ['gracePeriod'], message: `is another name for minResource; give one (came minResource ${a.minResource} and gracePeriod ${a.gracePeriod})` });
    }
    const first = a.minResource ?? a.gracePeriod;
    if (first !== undefined && first >= a.maxResource) {
      ctx.addIssue({ code: 'custom', path: ['maxResource'], message: `must be greater than minResource ${first} (got ${a.maxResource})` });
    }
  })
  .transform(({ gracePeriod, minResource, ...a }) => ({ ...a, minResource: (minResource ?? gracePeriod) as number }));

const medianInput = z.strictObject({
  /** The metric compared. Default: the study's objective. */
  metric: metric.optional(),
  mode: mode.optional(),
  startupTrials: z.int().min(0).max(1_000_000).default(EARLY_STOPPING_DEFAULTS.startupTrials),
  warmupSteps: step.default(EARLY_STOPPING_DEFAULTS.warmupSteps),
  intervalSteps: z.int().min(1).max(Number.MAX_SAFE_INTEGER).default(EARLY_STOPPING_DEFAULTS.intervalSteps),
});

/** A study's `earlyStopping:` block: exactly one of `asha` and `median`. */
export const earlyStoppingInput = z
  .strictObject({ asha: ashaInput.optional(), median: medianInput.optional() })
  .superRefine((e, ctx) => {
    if ((e.asha === undefined) === (e.median === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: `give exactly one policy, asha or median (came ${e.asha === undefined ? 'neither' : 'both'})` });
    }
  });

/** `earlyStopping:` as parsed, before metric and mode are taken from the objective. */
export type EarlyStoppingInput = z.output<typeof earlyStoppingInput>;

/** A study's `circuitBreaker:` block. */
export const circuitBreakerInput = z.strictObject({
  /** Trips after this many failed trials in a row. */
  consecutive: z.int().min(1).max(1_000_000),
  /** Count only failures of this classification (`cuda-oom`, `exit-code`, …). Default: any. */
  classification: z.string().min(1).max(200).optional(),
});

export type CircuitBreakerConfig = z.output<typeof circuitBreakerInput>;

/** ASHA, resolved: every field set. */
export interface AshaConfig {
  readonly metric: string;
  readonly mode: Direction;
  readonly resource: 'step';
  /** The first rung, in steps. */
  readonly minResource: number;
  /** A trial's full length in steps; rungs lie below it. */
  readonly maxResource: number;
  /** η, an integer >= 2. Default: 4. */
  readonly reductionFactor: number;
  /** How the runner carries out a 'stop' decision. Default: stop. */
  readonly action: 'stop' | 'pause';
}

/** Median stopping, resolved: every field set. */
export interface MedianConfig {
  readonly metric: string;
  readonly mode: Direction;
  /** Default: 5. */
  readonly startupTrials: number;
  /** Default: 0. */
  readonly warmupSteps: number;
  /** Default: 1. */
  readonly intervalSteps: number;
}

export type EarlyStoppingConfig = { readonly asha: AshaConfig } | { readonly median: MedianConfig };

/**
 * Parses an `earlyStopping:` block on its own. Throws `ValidationError` whose field starts with
 * `earlyStopping.` (a study schema may instead nest `earlyStoppingInput`).
 */
export function parseEarlyStopping(input: unknown): EarlyStoppingInput {
  const result = z.strictObject({ earlyStopping: earlyStoppingInput }).safeParse({ earlyStopping: input }, { reportInput: true });
  if (!result.success) throw validationErrorFrom(result.error, 'invalid_early_stopping');
  return result.data.earlyStopping;
}

/**
 * Fills a policy's metric and mode from the study's objective where the block names none.
 * Throws `ValidationError` (field `earlyStopping.<policy>.metric` or `.mode`) when neither does.
 */
export function resolveEarlyStopping(input: EarlyStoppingInput, objective?: Objective): EarlyStoppingConfig {
  const policy = input.asha ? 'asha' : 'median';
  const block = (input.asha ?? input.median)!;
  const resolved = { metric: block.metric ?? objective?.metric, mode: block.mode ?? objective?.mode };
  for (const field of ['metric', 'mode'] as const) {
    if (resolved[field] === undefined) {
      throw new ValidationError(`is required (expected ${field === 'metric' ? 'a metric name' : '"min" or "max"'} here or in the study's objective)`, `earlyStopping.${policy}.${field}`, { code: 'invalid_early_stopping' });
    }
  }
  const filled = { ...block, metric: resolved.metric!, mode: resolved.mode! };
  return input.asha ? { asha: filled as AshaConfig } : { median: filled as MedianConfig };
}

/** One early-stopping decision and the numbers behind it: what the runner records on the trial. */
export interface EarlyStopDecision {
  readonly policy: 'asha' | 'median';
  /** 'stop' is carried out as a pause when the ASHA config says `action: pause`. */
  readonly action: 'continue' | 'stop';
  readonly trialId: number;
  /** The rung step (ASHA) or the step checked (median). */
  readonly step: number;
  /** The trial's value that was compared (median: its best so far); null when NaN. */
  readonly value: number | null;
  /** ASHA: the worst value still kept at the rung; median: the median. Null when nothing was compared. */
  readonly cutoff: number | null;
  /** The trial's place among the values compared, 1 = best; ties share the better place. */
  readonly rank: number | null;
  /** How many values were ranked, the trial's included. */
  readonly of: number | null;
  /** One line a person reads: "val_loss 0.52 ranks 5 of 9 at rung 64; …". */
  readonly reason: string;
}

/** The rungs of an ASHA plan: `minResource · η^k` for k = 0, 1, … while below `maxResource`. */
export function ashaRungs(cfg: AshaConfig): number[] {
  const rungs: number[] = [];
  for (let rung = cfg.minResource; rung < cfg.maxResource; rung *= cfg.reductionFactor) rungs.push(rung);
  return rungs;
}

/**
 * ASHA at one rung (Optuna's SuccessiveHalvingPruner rule). `valuesAtRung` holds every trial's
 * value recorded at this rung so far, this trial's included (trial id → value).
 * - n = the values that are not NaN; the best k = max(1, ⌊n/η⌋) continue, the others stop.
 *   So the first trial at a rung always continues, and while n < η only a trial at least as
 *   good as every value so far does. (Ray Tune compares with the (1 − 1/η) percentile of the
 *   others, interpolated; the same on average, less exact to explain.)
 * - Ties: rank = 1 + the values strictly better; a value equal to the k-th best continues.
 * - A NaN value stops the trial (as Optuna); ±Infinity ranks as a number.
 * Throws RangeError when the map lacks `trialId` or `rungStep` is not a rung of `cfg`.
 */
export function ashaDecide(cfg: AshaConfig, trialId: number, rungStep: number, valuesAtRung: ReadonlyMap<number, number>): EarlyStopDecision {
  const value = valuesAtRung.get(trialId);
  if (value === undefined) throw new RangeError(`ashaDecide: valuesAtRung has no value of trial ${trialId}`);
  if (!ashaRungs(cfg).includes(rungStep)) throw new RangeError(`ashaDecide: ${rungStep} is not a rung of ${ashaRungs(cfg).join(', ')}`);
  const base = { policy: 'asha' as const, trialId, step: rungStep };
  if (Number.isNaN(value)) {
    return { ...base, action: 'stop', value: null, cutoff: null, rank: null, of: null, reason: `${cfg.metric} is NaN at rung ${rungStep}: stopped (not comparable)` };
  }
  const ranked = [...valuesAtRung.values()].filter((v) => !Number.isNaN(v)).sort(bestFirst(cfg.mode));
  const n = ranked.length;
  const keep = Math.max(1, Math.floor(n / cfg.reductionFactor));
  const cutoff = ranked[keep - 1];
  const rank = rankOf(value, ranked, cfg.mode);
  const action = rank <= keep ? 'continue' : 'stop';
  const rule = n < cfg.reductionFactor ? `the best ${keep} (fewer than η = ${cfg.reductionFactor} values)` : `the top ${keep} (⌊${n}/${cfg.reductionFactor}⌋)`;
  return {
    ...base, action, value, cutoff, rank, of: n,
    reason: `${cfg.metric} ${fmt(value)} ranks ${rank} of ${n} at rung ${rungStep}; ${rule} continue, cutoff ${fmt(cutoff)} (${cfg.mode}): ${action === 'continue' ? 'continues' : 'stopped'}`,
  };
}

/**
 * The paused trials at a rung (ASHA `action: pause`) that now rank among the best
 * k = max(1, ⌊n/η⌋) of `valuesAtRung` (every value at the rung, theirs included), best first:
 * the ones to resume once more trials have reached the rung (a widened study). The same rule
 * as `ashaDecide`, ties included; trials already past the rung are not counted against k.
 */
export function ashaPromotable(cfg: AshaConfig, valuesAtRung: ReadonlyMap<number, number>, pausedIds: Iterable<number>): number[] {
  const ranked = [...valuesAtRung.values()].filter((v) => !Number.isNaN(v)).sort(bestFirst(cfg.mode));
  if (ranked.length === 0) return [];
  const cutoff = ranked[Math.max(1, Math.floor(ranked.length / cfg.reductionFactor)) - 1];
  const order = bestFirst(cfg.mode);
  return [...new Set(pausedIds)]
    .filter((id) => { const v = valuesAtRung.get(id); return v !== undefined && !Number.isNaN(v) && order(v, cutoff) <= 0; })
    .sort((a, b) => order(valuesAtRung.get(a)!, valuesAtRung.get(b)!) || a - b);
}

/**
 * Whether median stopping checks a trial at `step` (Optuna's warm-up and interval rule): not
 * before `warmupSteps`, then at the first report in each window of `intervalSteps` steps counted
 * from `warmupSteps`. `previousStep` is the trial's report before this one (null: none).
 */
export function medianChecksAt(cfg: MedianConfig, step: number, previousStep: number | null): boolean {
  if (step < cfg.warmupSteps) return false;
  const windowStart = Math.floor((step - cfg.warmupSteps) / cfg.intervalSteps) * cfg.intervalSteps + cfg.warmupSteps;
  return previousStep === null || previousStep < windowStart;
}

/**
 * Median stopping at one step (Optuna's MedianPruner): stops the trial when its best value so
 * far is strictly worse than the median of `othersAtStep`, the values at this step of the
 * study's completed trials (those that ran to the end; stopped and failed ones are not in it).
 * It continues while fewer than `startupTrials` trials have completed, before `warmupSteps`, and
 * when no completed trial has a value at the step. A NaN best stops it; NaN others are skipped.
 * The median of an even count is the mean of the middle two. Call it where `medianChecksAt` is true.
 */
export function medianDecide(cfg: MedianConfig, trialId: number, step: number, bestSoFar: number, othersAtStep: readonly number[], completedTrials: number): EarlyStopDecision {
  const base = { policy: 'median' as const, trialId, step, value: Number.isNaN(bestSoFar) ? null : bestSoFar };
  const skip = (reason: string): EarlyStopDecision => ({ ...base, action: 'continue', cutoff: null, rank: null, of: null, reason });
  if (completedTrials < cfg.startupTrials || completedTrials === 0) return skip(`startup: ${completedTrials} of ${cfg.startupTrials} trials completed, no trial is stopped yet`);
  if (step < cfg.warmupSteps) return skip(`warm-up: step ${step} is before ${cfg.warmupSteps}`);
  if (Number.isNaN(bestSoFar)) return { ...base, action: 'stop', cutoff: null, rank: null, of: null, reason: `${cfg.metric} is NaN at every step so far: stopped (not comparable)` };
  const others = othersAtStep.filter((v) => !Number.isNaN(v)).sort(bestFirst('min'));
  if (others.length === 0) return skip(`no completed trial has ${cfg.metric} at step ${step}`);
  const middle = others.length >> 1;
  const median = others.length % 2 === 1 ? others[middle] : (others[middle - 1] + others[middle]) / 2;
  const worse = cfg.mode === 'min' ? bestSoFar > median : bestSoFar < median;
  const rank = rankOf(bestSoFar, others, cfg.mode);
  return {
    ...base, action: worse ? 'stop' : 'continue', cutoff: median, rank, of: others.length + 1,
    reason: `best ${cfg.metric} so far ${fmt(bestSoFar)} is ${worse ? 'worse than' : 'no worse than'} the median ${fmt(median)} of ${others.length} completed trial${others.length === 1 ? '' : 's'} at step ${step} (${cfg.mode}): ${worse ? 'stopped' : 'continues'}`,
  };
}

/** The best of `values` in direction `mode`, NaN skipped; NaN when none is left. */
export function bestValue(mode: Direction, values: Iterable<number>): number {
  let best = NaN;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    if (Number.isNaN(best) || (mode === 'min' ? v < best : v > best)) best = v;
  }
  return best;
}

/** One finished trial, as the circuit breaker sees it. */
export interface TrialOutcome {
  /** The job's outcome classification (`cuda-oom`, `exit-code`, …); null when it has none. */
  readonly classification: string | null;
  /** The job ended failed. A trial stopped by early stopping did not fail. */
  readonly failed: boolean;
}

/** Whether the breaker trips, how long the trailing run of counted failures is, and why. */
export interface CircuitBreakerVerdict {
  readonly trip: boolean;
  readonly consecutive: number;
  readonly reason: string;
}

/**
 * The circuit breaker over finished trials, oldest first: counts the trailing run of failed
 * trials (with `classification` set, of that classification only: any other outcome ends the
 * run, a success or another failure alike) and trips when it reaches `consecutive`.
 */
export function circuitBreakerTrips(cfg: CircuitBreakerConfig, recentOutcomes: readonly TrialOutcome[]): CircuitBreakerVerdict {
  const counted = (o: TrialOutcome): boolean => o.failed && (cfg.classification === undefined || o.classification === cfg.classification);
  let run = 0;
  while (run < recentOutcomes.length && counted(recentOutcomes[recentOutcomes.length - 1 - run])) run++;
  const what = cfg.classification === undefined ? 'failed trials' : `trials failed with ${cfg.classification}`;
  if (run < cfg.consecutive) return { trip: false, consecutive: run, reason: `${run} consecutive ${what}, the breaker trips at ${cfg.consecutive}` };
  const tally = new Map<string, number>();
  for (const o of recentOutcomes.slice(recentOutcomes.length - run)) {
    const key = o.classification ?? 'unclassified';
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  const kinds = [...tally].map(([k, n]) => `${k} ×${n}`).join(', ');
  return { trip: true, consecutive: run, reason: `${run} consecutive ${what} (${kinds}; the breaker trips at ${cfg.consecutive}): the study pauses` };
}

function bestFirst(mode: Direction): (a: number, b: number) => number {
  const ascending = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0);
  return mode === 'min' ? ascending : (a, b) => ascending(b, a);
}

/** 1 + how many of `values` are strictly better than `value`. */
function rankOf(value: number, values: readonly number[], mode: Direction): number {
  let better = 0;
  for (const v of values) if (mode === 'min' ? v < value : v > value) better++;
  return better + 1;
}

/** Six significant digits: enough to compare, short enough to read. */
function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);
}
