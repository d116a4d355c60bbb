/**
 * Carries out the watchdogs' verdicts (core/watchdog.ts, core/stop-when.ts): time limits and
 * stuck runs at each scheduling pass, divergence and the `stopWhen` target on each batch of new
 * points (called by the run intake).
 */
import { checkStopWhen } from '../core/stop-when.ts';
import { checkDivergence, checkRunLimits } from '../core/watchdog.ts';
import type { DivergenceSpec, Job, SeriesPoints, StopWhenSpec } from '../core/types.ts';
import type { Store } from '../store/store.ts';
import type { ControlContext, LiveRun } from './context.ts';
import type { JobControl } from './job-control.ts';
import type { RunRef } from './run-intake.ts';

export interface Watchdogs {
  /** Time limits and stuck runs of every live run. */
  checkLimits(): Promise<void>;
  /**
   * New points of a run: stops it when its watched metric diverged, or (gracefully, the job
   * then succeeds) when a point reached its `stopWhen` target.
   */
  checkPoints(run: RunRef, series: ReadonlyMap<string, SeriesPoints>): void;
}

/**
 * Where a job that is being stopped for divergence diverged, from its stored points of the
 * watched metric since its current run's resume step: for whoever cannot ask the live run (its
 * watchdog's memory), as retention while the run saves its last checkpoint past the divergence,
 * or the run's end after a server restart. null when the job is not stopping for divergence or
 * its points show none.
 */
export async function storedDivergence(store: Pick<Store, 'listRuns' | 'readSeries'>, job: Job): Promise<{ step: number; detail: string } | null> {
  const spec = job.spec.watchdog.divergence;
  if (job.stopReason !== 'diverged' || !spec) return null;
  const current = (await store.listRuns(job.id)).at(-1);
  const points = await store.readSeries(job.id, spec.metric, { from: current?.resumeStep ?? undefined });
  const { diverged } = checkDivergence(spec, { min: null }, points.steps, points.values);
  return diverged && { step: diverged.step, detail: diverged.detail };
}

/** What the point watchdogs of one run look at, read once per run. */
interface PointWatch {
  readonly divergence: DivergenceSpec | null;
  readonly stopWhen: StopWhenSpec | null;
}

export function createWatchdogs(ctx: ControlContext, jobs: Pick<JobControl, 'requestStop'>): Watchdogs {
  const { store } = ctx;
  /**
   * Each live run's divergence and stopWhen specs, read once: a job's spec never changes, and
   * reading the job for every batch of points cost more than storing the batch.
   */
  const specs = new WeakMap<LiveRun, Promise<PointWatch>>();

  function watchOf(entry: LiveRun): Promise<PointWatch> {
    let spec = specs.get(entry);
    if (spec === undefined) {
      spec = store.getJob(entry.jobId).then((job) => ({ divergence: job?.spec.watchdog.divergence ?? null, stopWhen: job?.spec.stopWhen ?? null }));
      // A failed read is tried again with the next batch.
      spec.catch(() => specs.delete(entry));
      specs.set(entry, spec);
    }
    return spec;
  }

  /** Stops the run when the watched metric diverged; true when it asked for the stop. */
  async function divergenceStop(run: RunRef, entry: LiveRun, spec: DivergenceSpec | null, series: ReadonlyMap<string, SeriesPoints>): Promise<boolean> {
    const points = spec ? series.get(spec.metric) : undefined;
    if (!spec || !points || entry.diverged || entry.targetReached) return false;
    const { state, diverged } = checkDivergence(spec, entry.divergence, points.steps, points.values);
    entry.divergence = state;
    if (!diverged) return false;
    const job = await store.getJob(run.jobId);
    if (!job || job.stopReason !== null) return false;
    entry.diverged = diverged;
    ctx.log(`job ${run.jobId}: diverged (${diverged.detail}); stopping it`);
    await jobs.requestStop(run.jobId, 'diverged');
    return true;
  }

  /** Stops the run gracefully (the job then succeeds) when a point reached the `stopWhen` target. */
  async function targetStop(run: RunRef, entry: LiveRun, spec: StopWhenSpec | null, series: ReadonlyMap<string, SeriesPoints>): Promise<void> {
    const points = spec ? series.get(spec.metric) : undefined;
    if (!spec || !points || entry.diverged || entry.targetReached) return;
    const reached = checkStopWhen(spec, points.steps, points.values);
    if (!reached) return;
    const job = await store.getJob(run.jobId);
    if (!job || job.stopReason !== null) return;
    entry.targetReached = reached;
    ctx.log(`job ${run.jobId}: ${reached.detail}; stopping it (it succeeds)`);
    await jobs.requestStop(run.jobId, 'target-reached');
  }

  return {
    async checkLimits() {
      for (const entry of ctx.live.values()) {
        const job = await store.getJob(entry.jobId);
        if (!job || job.stopReason !== null) continue;
        // Durations on the monotonic clock: a jump of the wall clock is not time run.
        const verdict = checkRunLimits(job.spec, { now: ctx.monotonic(), startedAt: entry.startedMono, lastProgressAt: ctx.progress.lastProgressAt(job.id) });
        if (!verdict) continue;
        ctx.log(`job ${job.id}: ${verdict === 'stuck' ? `no new step for ${job.spec.watchdog.stuckSeconds} s` : 'time limit reached'}; stopping it`);
        await jobs.requestStop(job.id, verdict);
      }
    },

    checkPoints(run, series) {
      const entry = ctx.live.get(run.runId);
      if (!entry || entry.diverged || entry.targetReached) return;
      void watchOf(entry).then(async (watch) => {
        if (await divergenceStop(run, entry, watch.divergence, series)) return;
        await targetStop(run, entry, watch.stopWhen, series);
      }).catch((error) => ctx.log(`point watchdogs: ${String(error)}`));
    },
  };
}
