/**
 * Following a run and ending it: the supervisor's hooks for one live run. Its log lines go
 * through the line protocol into the intake; its end takes in what the SDK spooled, decides
 * the job's next state (core/run-end.ts) and applies it as ONE store transition (`endRun`: the
 * run's end, its tokens revoked, the job's progress and state, and their events).
 */
import { appendFileSync } from 'node:fs';
import { decideRunEnd } from '../core/run-end.ts';
import type { RunOutcome } from '../core/types.ts';
import type { ExitStatus } from '../executors/executor.ts';
import type { AttemptHooks } from '../supervisor/attempt.ts';
import type { ControlContext, LiveRun } from './context.ts';
import { applyLogLines } from './log-lines.ts';
import { takeInSpool } from './spool-intake.ts';
import { storedDivergence } from './watchdogs.ts';

export function attemptHooks(ctx: ControlContext, entry: LiveRun, logPath: string): AttemptHooks {
  const run = { runId: entry.runId, jobId: entry.jobId };
  return {
    async onStarted(handle) {
      await ctx.store.markRunStarted(entry.runId, handle);
      const job = await ctx.store.getJob(entry.jobId);
      // A stop that arrived while the process was being started.
      if (job?.stopRequested) entry.attempt?.stop(job.spec.stopGraceSeconds * 1000);
    },
    async onLogLines(text, offsetAfter) {
      await applyLogLines(ctx, run, text, offsetAfter, (warning) => appendFileSync(logPath, `[trainyard] ${warning}\n`));
    },
    async onExit(status, outcome) {
      await endRunUntilRecorded(ctx, entry, status, outcome);
    },
  };
}

/** Default wait before a run's end that could not be written is tried again: 5,000 ms. */
export const END_RUN_RETRY_MS = 5_000;

/**
 * Ends the run; when its end cannot be written (the disk is full: SQLITE_FULL) the run stays
 * live, its slots held as the store still says it runs, and the end is tried again every
 * `ctx.endRunRetryMs` until it is recorded, or until this control closes (the next server then
 * reads the recorded exit). Never rejects: nothing awaits a supervisor's end, so a rejection
 * would end the server.
 */
async function endRunUntilRecorded(ctx: ControlContext, entry: LiveRun, status: ExitStatus & { readonly peakGpuMemoryMiB?: number | null }, outcome: RunOutcome): Promise<void> {
  try {
    await endRun(ctx, entry, status, outcome);
  } catch (error) {
    const waitMs = ctx.endRunRetryMs ?? END_RUN_RETRY_MS;
    ctx.live.set(entry.runId, entry);
    ctx.log(`job ${entry.jobId}: the end of its run could not be recorded (${String(error)}); trying again in ${waitMs / 1000} s`);
    const timer = setTimeout(() => {
      // Closed meanwhile (live runs are cleared): the next server ends it.
      if (ctx.live.get(entry.runId) === entry) void endRunUntilRecorded(ctx, entry, status, outcome);
    }, waitMs);
    timer.unref();
  }
}

/** Earlier runs of the job that ended `cuda-oom`: each was a patched retry (core/remedies.ts). */
async function cudaOomRetries(ctx: ControlContext, jobId: number, attempt: number): Promise<number> {
  return (await ctx.store.listRuns(jobId)).filter((r) => r.attempt < attempt && r.outcome?.kind === 'cuda-oom').length;
}

export async function endRun(ctx: ControlContext, entry: LiveRun, status: ExitStatus & { readonly peakGpuMemoryMiB?: number | null }, exitOutcome: RunOutcome): Promise<void> {
  const { store } = ctx;
  const t = ctx.now();
  ctx.live.delete(entry.runId);
  const [job, run] = await Promise.all([store.getJob(entry.jobId), store.getRun(entry.runId)]);
  if (!job || !run || run.state !== 'running') return;
  const spool = await takeInSpool(ctx.intake, ctx.layout.spoolDir(job.id), { runId: run.id, jobId: job.id }, t);
  if (spool.files > 0) ctx.log(`job ${job.id} attempt ${run.attempt}: took in ${spool.points} spooled points and ${spool.checkpoints} checkpoints`);
  for (const { file, reason } of spool.refused) ctx.log(`job ${job.id}: spool file ${file} not taken in: ${reason}`);
  // The spool may have registered checkpoints: decide on the job as it is now.
  const current = (await store.getJob(job.id)) ?? job;
  const end = decideRunEnd({
    job: current, attempt: run.attempt, outcome: exitOutcome, now: t,
    // After a server restart the watchdog's memory is gone: the stored points still tell.
    divergence: entry.diverged ?? (await storedDivergence(store, current)) ?? undefined,
    target: entry.targetReached ?? undefined,
    cudaOomRetries: exitOutcome.kind === 'cuda-oom' ? await cudaOomRetries(ctx, job.id, run.attempt) : 0,
  });
  const progress = ctx.progress.take(job.id) ?? undefined;
  const ended = await store.endRun(run.id, {
    run: { state: end.runState, exitCode: status.exitCode, signal: status.signal, outcome: end.outcome, endedAt: t, peakGpuMemoryMiB: status.peakGpuMemoryMiB ?? null },
    job: end.job,
    // A reached target is the job's last word: its status message says why it ended.
    progress: current.stopReason === 'target-reached' ? { ...progress, message: end.outcome.detail } : progress,
  });
  if (!ended) return;
  ctx.log(`job ${job.id} attempt ${run.attempt} ended: ${end.outcome.detail}; job ${ended.job.state}`);
  ctx.publishJob(ended.job);
  ctx.poke();
}
