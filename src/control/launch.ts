/**
 * Starting a run of a job on the slots the scheduler picked. Steps, each named:
 *
 * | step            | what                                                                   |
 * |-----------------|------------------------------------------------------------------------|
 * | resumePoint     | the checkpoint to resume from (the latest, or the latest before a divergence) |
 * | claim           | ONE store transition: job queued → running, the run, its token, events |
 * | supersede       | points of earlier runs past the resume point are dropped (idempotent)   |
 * | prepare         | checkpoint, spool and run folders; the run's environment               |
 * | start           | the supervisor starts the process through the executor                 |
 *
 * A crash after `claim` and before the handle was recorded leaves a run without a handle:
 * recovery asks the executor to find it by its run directory and name (`runRef`); a process that
 * never started is `lost`, and the job is retried (and `supersede` runs again), so no step is lost.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Checkpoint, Job } from '../core/types.ts';
import type { RunRef, RunResources } from '../executors/executor.ts';
import type { Placement } from '../scheduler/scheduler.ts';
import type { Store } from '../store/store.ts';
import { startAttempt } from '../supervisor/attempt.ts';
import { newLiveRun, type ControlContext } from './context.ts';
import type { DataDirLayout } from './data-dir.ts';
import { attemptHooks } from './end-run.ts';
import { runEnv, upstreamCheckpoints } from './run-env.ts';
import { mintToken } from './tokens.ts';

export async function launch(ctx: ControlContext, placement: Placement): Promise<void> {
  const { store, layout } = ctx;
  const queued = await store.getJob(placement.jobId);
  if (!queued) return;
  const resume = await resumePoint(store, queued);
  const runDir = layout.runDir(queued.id, queued.attempts + 1);
  mkdirSync(runDir, { recursive: true });
  const token = mintToken();
  const claimed = await store.claimJob(queued.id, {
    logPath: join(runDir, 'log'),
    resumedFrom: resume?.id ?? null,
    resumeStep: resume?.step ?? null,
    gpus: placement.gpus,
    cpus: placement.cpus,
    token: { id: token.id, secretHash: token.secretHash, upstreamJobIds: queued.spec.after },
  }, ctx.now());
  if (!claimed) return;
  const { job, run } = claimed;
  await supersede(store, job, run.attempt, resume);

  const checkpointDir = layout.checkpointDir(job.id);
  const spoolDir = layout.spoolDir(job.id);
  mkdirSync(checkpointDir, { recursive: true });
  mkdirSync(spoolDir, { recursive: true });
  const env = runEnv({
    job, run, resume, checkpointDir, spoolDir,
    initFrom: job.initFrom ? await store.getCheckpoint(job.initFrom.checkpointId) : null,
    baseEnv: ctx.baseEnv,
    serverUrl: ctx.serverUrl(),
    token: token.token,
    gpus: placement.gpus,
    upstreamCheckpoints: await upstreamCheckpoints(store, job.spec.after),
  });
  env.TRAINYARD_DATASETS = await ctx.datasetsForRun(job, run.id);

  const entry = newLiveRun(run, ctx);
  ctx.live.set(run.id, entry);
  ctx.progress.begin(job.id, resume?.step ?? null);
  ctx.publishJob(job);
  ctx.log(`job ${job.id} (${job.spec.name}) attempt ${run.attempt} started${resume ? ` from checkpoint step ${resume.step}` : ''}${placement.gpus.length ? ` on GPU ${placement.gpus.join(',')}` : ''}`);
  const argv = job.spec.shell ? ['/bin/sh', '-c', job.spec.command[0]] : [...job.spec.command];
  entry.attempt = startAttempt(
    { executor: ctx.executor, hooks: attemptHooks(ctx, entry, run.logPath), logOffset: 0 },
    { argv, cwd: job.spec.cwd, env, logPath: run.logPath, ...runRef(layout, job.id, run.attempt), resources: runResources(job) },
  );
}

/** What the job asks of the machine its run goes on, for an executor that asks a batch system (Slurm). */
function runResources(job: Job): RunResources {
  const { resources, timeLimitSeconds, stopGraceSeconds, slurm } = job.spec;
  return { gpus: resources.gpus, cpus: resources.cpus, timeLimitSeconds, stopGraceSeconds, priority: job.priority, ...(slurm ? { slurm } : {}) };
}

/** Where a run's executor keeps its files, and the run's name: enough to find it again. */
export function runRef(layout: DataDirLayout, jobId: number, attempt: number): RunRef {
  return { runDir: layout.runDir(jobId, attempt), name: `trainyard-${jobId}-${attempt}` };
}

/** The checkpoint a new run resumes from: the latest, or the latest before a divergence. */
export async function resumePoint(store: Store, job: Job): Promise<Checkpoint | null> {
  const before = job.outcome?.kind === 'diverged' ? job.outcome.step : undefined;
  if (before === undefined) return store.latestCheckpoint(job.id);
  const good = (await store.listCheckpoints(job.id)).filter((c) => !c.deleted && c.step < before);
  return good.sort((a, b) => b.step - a.step || b.id - a.id)[0] ?? null;
}

/**
 * Points the earlier runs logged past the resume point are superseded by this run's; a retry
 * without a checkpoint starts the step axis over. Idempotent while the run has written nothing.
 */
async function supersede(store: Store, job: Job, attempt: number, resume: Checkpoint | null): Promise<void> {
  if (resume) await store.truncateAfter(job.id, resume.step);
  else if (attempt > 1) await store.truncateAfter(job.id, -Infinity);
}
