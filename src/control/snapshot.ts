/** Turns stored jobs and live runs into the scheduler's read-only snapshot entries. */
import type { Checkpoint, Job } from '../core/types.ts';
import type { QueuedJob, RunningAllocation } from '../scheduler/scheduler.ts';
import type { LiveRun } from './context.ts';

export function queuedView(job: Job): QueuedJob {
  return {
    jobId: job.id,
    priorityClass: job.priority.class,
    priority: job.priority.value,
    queuedAt: job.queuedAt,
    gpus: job.spec.resources.gpus,
    cpus: job.spec.resources.cpus,
    notBefore: job.notBefore,
    expectedSeconds: job.spec.timeLimitSeconds,
    owner: job.spec.owner,
    preemptible: job.spec.preemptible,
  };
}

/**
 * A running job's expected length: its time limit, else what its step rate says (elapsed plus
 * the ETA), else unknown — which keeps backfill from starting anything that could delay it.
 */
function expectedSeconds(run: LiveRun, job: Job, now: number): number | null {
  if (job.spec.timeLimitSeconds !== null) return job.spec.timeLimitSeconds;
  if (job.progress.etaSeconds === null) return null;
  return (now - run.startedAt) / 1000 + job.progress.etaSeconds;
}

export function runningView(run: LiveRun, job: Job, checkpoint: Checkpoint | null, now: number): RunningAllocation {
  return {
    jobId: job.id,
    gpus: run.gpus,
    cpus: run.cpus,
    priorityClass: job.priority.class,
    priority: job.priority.value,
    preemptible: job.spec.preemptible,
    startedAt: run.startedAt,
    lastCheckpointAt: checkpoint && checkpoint.createdAt >= run.startedAt ? checkpoint.createdAt : null,
    expectedSeconds: expectedSeconds(run, job, now),
    owner: job.spec.owner,
    stopping: job.stopReason !== null,
  };
}
