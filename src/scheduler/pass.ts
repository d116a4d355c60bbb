/**
 * One scheduling pass: snapshot → order → (per job) start now or reserve → preemption for the
 * head → plan. See README.md for the pipeline and scheduler.ts for the terms.
 */
import { orderJobs } from './ordering.ts';
import type { PolicySettings } from './policies.ts';
import { choosePreemption } from './preemption.ts';
import { placeNow, reservationMatters, reserve } from './reservations.ts';
import type { Placement, Plan, Preemption, QueuedJob, Snapshot } from './scheduler.ts';
import { createSlotBook } from './slot-book.ts';

export function runPass(snapshot: Snapshot, settings: PolicySettings): Plan {
  const gpuCount = new Set(snapshot.slots.gpus).size;
  const unschedulable: Array<{ jobId: number; reason: string }> = [];
  const ready: QueuedJob[] = [];
  for (const job of snapshot.queue) {
    const reason = tooBig(job, gpuCount, snapshot.slots.cpuSlots);
    if (reason !== null) unschedulable.push({ jobId: job.jobId, reason });
    else if (job.notBefore === null || job.notBefore <= snapshot.now) ready.push(job);
  }

  const book = createSlotBook(snapshot);
  const start: Placement[] = [];
  const preempt: Preemption[] = [];
  let headSeen = false;
  for (const job of orderJobs(ready, settings, snapshot.running)) {
    const placement = placeNow(book, job);
    if (placement) {
      start.push(placement);
      continue;
    }
    if (!settings.reservations) continue;
    if (!headSeen) {
      headSeen = true;
      if (settings.preemption) preempt.push(...choosePreemption(book, job, snapshot.running));
    }
    if (!settings.backfill) break;
    if (reservationMatters(book, job)) reserve(book, job);
  }
  return { start, preempt, unschedulable };
}

/** Why a job can never fit on this server, or null when it can. */
function tooBig(job: QueuedJob, gpuCount: number, cpuSlots: number): string | null {
  if (job.gpus > gpuCount) return `needs ${job.gpus} GPU${job.gpus === 1 ? '' : 's'}, this server has ${gpuCount}`;
  if (job.cpus > cpuSlots) return `needs ${job.cpus} CPU slot${job.cpus === 1 ? '' : 's'}, this server has ${cpuSlots}`;
  return null;
}
