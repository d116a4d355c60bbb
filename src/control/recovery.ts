/**
 * At start, before the first scheduling pass: every run the store says is running is handed
 * back to a supervisor, which asks the executor to adopt it by its stored handle. Its process is
 * watched again when it is still alive, its recorded exit is read when it ended while no server
 * watched, and it is `lost` otherwise. A run without a handle (the server died between claim and
 * recording the handle) is looked for by its run directory and name (`RunRef`): found, it is
 * adopted and its handle recorded; not found (never started), it is `lost`. Each then ends
 * through the normal run end, so its job moves on truthfully.
 *
 * A job is live (running, stopping, pausing) exactly while one of its runs is running: claim
 * and run end are single transitions, so there is no state in between to repair.
 */
import { adoptAttempt } from '../supervisor/attempt.ts';
import { newLiveRun, type ControlContext } from './context.ts';
import { attemptHooks } from './end-run.ts';
import { runRef } from './launch.ts';

export async function recover(ctx: ControlContext): Promise<void> {
  const { store, layout } = ctx;
  for (const run of await store.listLiveRuns()) {
    const job = await store.getJob(run.jobId);
    if (!job) continue;
    const entry = newLiveRun(run, ctx);
    ctx.live.set(run.id, entry);
    ctx.progress.begin(job.id, run.resumeStep);
    const logOffset = await store.getLogOffset(run.id);
    const ref = runRef(layout, job.id, run.attempt);
    entry.attempt = adoptAttempt({ executor: ctx.executor, hooks: attemptHooks(ctx, entry, run.logPath), logOffset }, run.handle, { ...ref, logPath: run.logPath });
    ctx.log(`job ${job.id} attempt ${run.attempt}: ${run.handle
      ? `re-attaching to ${run.handle.executor} run ${run.handle.externalId}`
      : `no process was recorded; looking for one in ${ref.runDir}`}`);
    if (job.stopRequested) entry.attempt.stop(job.spec.stopGraceSeconds * 1000);
  }
}
