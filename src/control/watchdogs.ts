/**
 * Carries out the watchdogs' verdicts (core/watchdog.ts): time limits and stuck runs at each
 * scheduling pass, divergence on each batch of new points (called by the run intake).
 */
import { checkDivergence, checkRunLimits } from '../core/watchdog.ts';
import type { DivergenceSpec, SeriesPoints } from '../core/types.ts';
import type { ControlContext, LiveRun } from './context.ts';
import type { JobControl } from './job-control.ts';
import type { RunRef } from './run-intake.ts';

export interface Watchdogs {
  /** Time limits and stuck runs of every live run. */
  checkLimits(): Promise<void>;
  /** New points of a run: stops it when its watched metric diverged. */
  checkPoints(run: RunRef, series: ReadonlyMap<string, SeriesPoints>): void;
}

export function createWatchdogs(ctx: ControlContext, jobs: Pick<JobControl, 'requestStop'>): Watchdogs {
  const { store } = ctx;
  /**
   * Each live run's divergence spec, read once: a job's spec never changes, and reading the
   * job for every batch of points cost more than storing the batch.
   */
  const specs = new WeakMap<LiveRun, Promise<DivergenceSpec | null>>();

  function divergenceSpecOf(entry: LiveRun): Promise<DivergenceSpec | null> {
    let spec = specs.get(entry);
    if (spec === undefined) {
      spec = store.getJob(entry.jobId).then((job) => job?.spec.watchdog.divergence ?? null);
      // A failed read is tried again with the next batch.
      spec.catch(() => specs.delete(entry));
      specs.set(entry, spec);
    }
    return spec;
  }

  return {
    async checkLimits() {
      for (const entry of ctx.live.values()) {
        const job = await store.getJob(entry.jobId);
        if (!job || job.stopReason !== null) continue;
        const verdict = checkRunLimits(job.spec, { now: ctx.now(), startedAt: entry.startedAt, lastProgressAt: ctx.progress.lastProgressAt(job.id) });
        if (!verdict) continue;
        ctx.log(`job ${job.id}: ${verdict === 'stuck' ? `no new step for ${job.spec.watchdog.stuckSeconds} s` : 'time limit reached'}; stopping it`);
        await jobs.requestStop(job.id, verdict);
      }
    },

    checkPoints(run, series) {
      const entry = ctx.live.get(run.runId);
      if (!entry || entry.diverged) return;
      void divergenceSpecOf(entry).then(async (spec) => {
        const points = spec ? series.get(spec.metric) : undefined;
        if (!spec || !points || entry.diverged) return;
        const { state, diverged } = checkDivergence(spec, entry.divergence, points.steps, points.values);
        entry.divergence = state;
        if (!diverged) return;
        const job = await store.getJob(run.jobId);
        if (!job || job.stopReason !== null) return;
        entry.diverged = diverged;
        ctx.log(`job ${run.jobId}: diverged (${diverged.detail}); stopping it`);
        return jobs.requestStop(run.jobId, 'diverged');
      }).catch((error) => ctx.log(`divergence check: ${String(error)}`));
    },
  };
}
