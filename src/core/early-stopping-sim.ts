/**
 * A synthetic study in simulated time, to measure what early stopping saves and check that it
 * keeps the best variant (early-stopping.test.ts asserts it; bench/early-stopping.ts prints it).
 *
 * The study: `trials` variants of one training of `maxSteps` steps, reporting the loss every
 * `reportEvery` steps. Variant i's loss at step s is `floor_i + scale_i · (1 + s/τ)^(-α)` plus
 * Gaussian noise (σ = `noise`), drawn once per (variant, report) from a seeded PRNG so every
 * policy sees the same points. One variant, at a seeded place in the order, is the known best:
 * the lowest floor (by `bestMargin`) and the smallest scale, so it leads at every step in
 * expectation; the others' floors and scales are uniform, so their curves cross. Each variant
 * runs at its own speed (seconds per step, uniform in 0.5–1.5) on one GPU, after a start-up
 * delay (0–60 s); `parallelism` run at once, started in order as slots free, so trials reach
 * each rung at different times and in an order unlike their quality (asynchronous arrival).
 *
 * The runner mirrors the study runner's rules (docs/studies.md#early-stopping): a trial's value
 * at a rung is its last reported value at a step <= the rung, taken at its first report at or
 * past the rung; a stopped trial frees its slot at once; median stopping compares with the
 * completed trials' values at the same step. GPU-seconds = Σ steps run × seconds per step.
 * Pure: no clock, no I/O.
 */
import {
  ashaDecide, ashaRungs, bestValue, medianChecksAt, medianDecide,
  type AshaConfig, type EarlyStopDecision, type MedianConfig,
} from './early-stopping.ts';

export interface SyntheticStudyOptions {
  readonly seed: number;
  /** Default: 64. */
  readonly trials?: number;
  /** Default: 1000. */
  readonly maxSteps?: number;
  /** Default: 10. */
  readonly reportEvery?: number;
  /** Standard deviation of the noise on each reported loss. Default: 0.03. */
  readonly noise?: number;
  /** How far below the other floors the best variant's floor lies. Default: 0.2. */
  readonly bestMargin?: number;
  /**
   * The best variant's scale (how high its curve starts above its floor); the others' lie in
   * 1.5–2.5. Default: 1.5, so it leads from the start; larger makes it a late bloomer.
   */
  readonly bestScale?: number;
}

export interface SyntheticTrial {
  readonly id: number;
  readonly secondsPerStep: number;
  readonly startDelaySeconds: number;
  /** The loss reported at steps reportEvery, 2·reportEvery, …, maxSteps (noise included). */
  readonly losses: readonly number[];
}

export interface SyntheticStudy {
  readonly trials: readonly SyntheticTrial[];
  /** The known best variant: the lowest expected loss at every step. */
  readonly bestId: number;
  readonly maxSteps: number;
  readonly reportEvery: number;
}

/** Curve shape: (1 + s/τ)^(-α). */
const TAU = 50;
const ALPHA = 0.8;
const FLOOR = { low: 0.6, high: 1.4 };
const SCALE = { low: 1.5, high: 2.5 };

/** Builds the study; the same options give the same study. */
export function syntheticStudy(options: SyntheticStudyOptions): SyntheticStudy {
  const rng = createRng(options.seed);
  const count = options.trials ?? 64;
  const maxSteps = options.maxSteps ?? 1000;
  const reportEvery = options.reportEvery ?? 10;
  const noise = options.noise ?? 0.03;
  const bestId = Math.floor(rng.next() * count);
  const trials: SyntheticTrial[] = [];
  for (let id = 0; id < count; id++) {
    const best = id === bestId;
    const floor = best ? FLOOR.low - (options.bestMargin ?? 0.2) : uniform(rng, FLOOR.low, FLOOR.high);
    const scale = best ? (options.bestScale ?? SCALE.low) : uniform(rng, SCALE.low, SCALE.high);
    const losses: number[] = [];
    for (let step = reportEvery; step <= maxSteps; step += reportEvery) {
      losses.push(floor + scale * (1 + step / TAU) ** -ALPHA + noise * rng.normal());
    }
    trials.push({ id, secondsPerStep: uniform(rng, 0.5, 1.5), startDelaySeconds: uniform(rng, 0, 60), losses });
  }
  return { trials, bestId, maxSteps, reportEvery };
}

/** What to run the study with: no early stopping, ASHA, or median stopping. */
export type SimulatedPolicy = { readonly none: true } | { readonly asha: AshaConfig } | { readonly median: MedianConfig };

export interface SimulationResult {
  /** Σ over trials of steps run × seconds per step (one GPU each). */
  readonly gpuSeconds: number;
  /** When the last trial ended, from the first start. */
  readonly makespanSeconds: number;
  /** Trials that ran to maxSteps. */
  readonly completed: readonly number[];
  /** Steps each trial ran, by id. */
  readonly stepsRun: readonly number[];
  /** The completed trial with the lowest final loss; null when none completed. */
  readonly winner: number | null;
  /** Every decision made, in the order made. */
  readonly decisions: readonly EarlyStopDecision[];
}

interface Running {
  readonly trial: SyntheticTrial;
  readonly startedAt: number;
  /** Index into `losses` of the next report. */
  next: number;
}

/** Runs the study under `policy` with `parallelism` trials at once. */
export function simulateStudy(study: SyntheticStudy, policy: SimulatedPolicy, parallelism = 8): SimulationResult {
  const { trials, maxSteps, reportEvery } = study;
  const rungs = 'asha' in policy ? ashaRungs(policy.asha) : [];
  const atRung = new Map<number, Map<number, number>>(rungs.map((r) => [r, new Map()]));
  const rungsDone = trials.map(() => 0);
  const stepsRun = trials.map(() => 0);
  const completed: number[] = [];
  const decisions: EarlyStopDecision[] = [];
  const running: Running[] = [];
  let queued = 0;
  let now = 0;
  const launch = (): void => {
    while (running.length < parallelism && queued < trials.length) {
      const trial = trials[queued++];
      running.push({ trial, startedAt: now + trial.startDelaySeconds, next: 0 });
    }
  };
  launch();
  while (running.length > 0) {
    const r = earliest(running, reportEvery);
    const step = (r.next + 1) * reportEvery;
    now = r.startedAt + step * r.trial.secondsPerStep;
    const stop = decide(r.trial, r.next, step);
    r.next++;
    if (stop || step >= maxSteps) {
      stepsRun[r.trial.id] = step;
      if (!stop) completed.push(r.trial.id);
      running.splice(running.indexOf(r), 1);
      launch();
    }
  }
  const gpuSeconds = trials.reduce((sum, t) => sum + stepsRun[t.id] * t.secondsPerStep, 0);
  const winner = completed.length === 0 ? null : completed.reduce((a, b) => (final(trials[b]) < final(trials[a]) ? b : a));
  return { gpuSeconds, makespanSeconds: now, completed, stepsRun, winner, decisions };

  /** Whether the trial stops at its report `index` (at `step`). */
  function decide(trial: SyntheticTrial, index: number, step: number): boolean {
    if ('asha' in policy) {
      while (rungsDone[trial.id] < rungs.length && rungs[rungsDone[trial.id]] <= step) {
        const rung = rungs[rungsDone[trial.id]++];
        const values = atRung.get(rung)!;
        values.set(trial.id, trial.losses[Math.floor(rung / reportEvery) - 1] ?? trial.losses[index]);
        const d = ashaDecide(policy.asha, trial.id, rung, values);
        decisions.push(d);
        if (d.action === 'stop') return true;
      }
      return false;
    }
    if ('median' in policy) {
      const previous = index === 0 ? null : step - reportEvery;
      if (!medianChecksAt(policy.median, step, previous)) return false;
      const others = completed.map((id) => trials[id].losses[index]);
      const d = medianDecide(policy.median, trial.id, step, bestValue('min', trial.losses.slice(0, index + 1)), others, completed.length);
      decisions.push(d);
      return d.action === 'stop';
    }
    return false;
  }
}

function earliest(running: readonly Running[], reportEvery: number): Running {
  const at = (r: Running): number => r.startedAt + (r.next + 1) * reportEvery * r.trial.secondsPerStep;
  return running.reduce((a, b) => (at(b) < at(a) || (at(b) === at(a) && b.trial.id < a.trial.id) ? b : a));
}

function final(trial: SyntheticTrial): number {
  return trial.losses[trial.losses.length - 1];
}

interface Rng {
  next(): number;
  normal(): number;
}

/** mulberry32, and Box–Muller for the normal; the same seed gives the same sequence. */
function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()) };
}

function uniform(rng: Rng, low: number, high: number): number {
  return low + (high - low) * rng.next();
}
