/**
 * Synthetic job traces for the simulator, reproducible from a seed: mixed 1/2/4/8-GPU needs,
 * lognormal (heavy-tailed) durations, three priority classes, arrivals in bursts (one owner's
 * sweep of normal or low jobs at a time; high jobs come alone, about 8 % of jobs), some jobs
 * preemptible with periodic checkpoints, and declared time limits
 * that overestimate the true duration by a noisy factor >= 1.
 */
import type { PriorityClass } from './scheduler.ts';

export interface TraceJob {
  readonly id: number;
  /** Milliseconds from the start of the trace. */
  readonly submitAt: number;
  readonly gpus: number;
  /** The work the job really needs, in seconds of running. */
  readonly durationSeconds: number;
  /** The time limit it declares: durationSeconds × a factor >= 1. */
  readonly expectedSeconds: number;
  readonly priorityClass: PriorityClass;
  readonly owner: string;
  readonly preemptible: boolean;
  /** Seconds of running between checkpoints; null for none. */
  readonly checkpointEverySeconds: number | null;
}

export interface TraceOptions {
  readonly seed: number;
  /** Default: 2,000. */
  readonly jobs?: number;
  /** The machine size the arrival rate is scaled to. */
  readonly gpus: number;
  /**
   * Offered load: total GPU-time ÷ (gpus × the arrival window). Above 1 the queue grows for the
   * whole window (saturated); below 1 the machine keeps up on average. Default: 2.
   */
  readonly load?: number;
  /** Median true duration in seconds. Default: 1,800 (30 min). */
  readonly medianSeconds?: number;
}

/** Mixed GPU needs: half 1-GPU, then 2, 4 and 8. */
const GPU_NEEDS: ReadonlyArray<readonly [number, number]> = [[1, 0.5], [2, 0.25], [4, 0.15], [8, 0.1]];
/** Of arrival groups: high jobs come one at a time (urgent runs), sweeps are normal or low. */
const GROUP_CLASSES: ReadonlyArray<readonly [PriorityClass, number]> = [['high', 0.4], ['normal', 0.4], ['low', 0.2]];
/**
 * Share of preemptible (checkpointing) jobs per class: urgent high jobs never, most low ones
 * (sweeps that checkpoint). With the class mix this is about 40 % of jobs and of GPU-time
 * (seed 42); the rest hold their GPUs to the end, which bounds how soon a high job can start.
 */
const PREEMPTIBLE_SHARE: Readonly<Record<PriorityClass, number>> = { high: 0, normal: 0.3, low: 0.8 };
const OWNERS = ['ana', 'ben', 'chen', 'dara', 'eli', 'fay'];
/** Lognormal shape of durations: a long tail (p99 ≈ 20× the median). */
const DURATION_SIGMA = 1.3;
const MEAN_BURST_SIZE = 8;
const MEAN_GAP_IN_BURST_SECONDS = 20;

export function syntheticTrace(options: TraceOptions): TraceJob[] {
  const rng = createRng(options.seed);
  const count = options.jobs ?? 2000;
  const median = options.medianSeconds ?? 1800;
  const drafts: Array<Omit<TraceJob, 'submitAt' | 'id'>> = [];
  let burst: { owner: string; priorityClass: PriorityClass; left: number } = { owner: '', priorityClass: 'normal', left: 0 };
  const burstStarts: number[] = [];
  for (let i = 0; i < count; i++) {
    if (burst.left === 0) {
      const priorityClass = pick(rng, GROUP_CLASSES);
      const left = priorityClass === 'high' ? 1 : geometric(rng, MEAN_BURST_SIZE);
      burst = { owner: OWNERS[Math.floor(rng.next() ** 1.5 * OWNERS.length)], priorityClass, left };
      burstStarts.push(i);
    }
    burst.left--;
    const durationSeconds = Math.round(Math.min(86_400, Math.max(60, median * Math.exp(DURATION_SIGMA * rng.normal()))));
    const preemptible = rng.next() < PREEMPTIBLE_SHARE[burst.priorityClass];
    drafts.push({
      gpus: pick(rng, GPU_NEEDS),
      durationSeconds,
      expectedSeconds: Math.ceil(durationSeconds * Math.exp(Math.abs(0.5 * rng.normal())) / 60) * 60,
      priorityClass: burst.priorityClass,
      owner: burst.owner,
      preemptible,
      checkpointEverySeconds: preemptible ? 600 + Math.floor(rng.next() * 1200) : null,
    });
  }
  const gpuSeconds = drafts.reduce((n, d) => n + d.gpus * d.durationSeconds, 0);
  const windowMs = gpuSeconds / options.gpus / (options.load ?? 2) * 1000;
  const starts = burstStarts.map(() => rng.next() * windowMs).sort((a, b) => a - b);
  starts[0] = 0;
  const jobs: TraceJob[] = [];
  let b = -1;
  let at = 0;
  for (let i = 0; i < drafts.length; i++) {
    if (burstStarts[b + 1] === i) at = starts[++b];
    else at += -Math.log(1 - rng.next()) * MEAN_GAP_IN_BURST_SECONDS * 1000;
    jobs.push({ id: i + 1, submitAt: Math.round(at), ...drafts[i] });
  }
  return jobs.sort((x, y) => x.submitAt - y.submitAt || x.id - y.id);
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal. */
  normal(): number;
}

/** mulberry32: small, fast, good enough for simulation; the same seed gives the same stream. */
export function createRng(seed: number): Rng {
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

function pick<T>(rng: Rng, weighted: ReadonlyArray<readonly [T, number]>): T {
  let u = rng.next();
  for (const [value, weight] of weighted) {
    if (u < weight) return value;
    u -= weight;
  }
  return weighted[weighted.length - 1][0];
}

function geometric(rng: Rng, mean: number): number {
  return 1 + Math.floor(Math.log(1 - rng.next()) / Math.log(1 - 1 / mean));
}
