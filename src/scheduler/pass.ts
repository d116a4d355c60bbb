/**
 * One scheduling pass: snapshot → order → (per job) start now or reserve → preemption for the
 * head → plan. See README.md for the pipeline and scheduler.ts for the terms.
 */
import { orderJobs } from './ordering.ts';
import type { PolicySettings } from './policies.ts';
import { choosePreemption } from './preemption.ts';
import { placeNow } from './backfill.ts';
import { expectedMs, reservationMatters, reserve } from './reservations.ts';
import type { Placement, Plan, Preemption, QueuedJob, Snapshot } from './scheduler.ts';
import { createSlotBook, summarise, type SlotBook } from './slot-book.ts';

export function runPass(snapshot: Snapshot, settings: PolicySettings): Plan {
  const gpuCount = new Set(snapshot.slots.gpus).size;
  const start: Placement[] = [];
  const unschedulable: Array<{ jobId: number; reason: string }> = [];
  const ready: QueuedJob[] = [];
  for (const job of snapshot.queue) {
    const reason = tooBig(job, gpuCount, snapshot.slots.cpuSlots);
    if (reason !== null) unschedulable.push({ jobId: job.jobId, reason });
    else if (job.notBefore !== null && job.notBefore > snapshot.now) continue;
    else if (job.gpus === 0 && job.cpus === 0) start.push({ jobId: job.jobId, gpus: [], cpus: 0 });
    else ready.push(job);
  }

  const book = createSlotBook(snapshot);
  const preempt: Preemption[] = [];
  let headSeen = false;
  const ordered = orderJobs(ready, settings, snapshot.running);
  const shortestFrom = shortestRemaining(ordered);
  for (let i = 0; i < ordered.length; i++) {
    const job = ordered[i];
    if ((headSeen || !settings.reservations) && !anyMayStart(book, shortestFrom[i])) break;
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
    if (reservationMatters(book, job, settings.preemption)) reserve(book, job, settings.preemption);
  }
  return { start, preempt, unschedulable };
}

/** Per position, the shortest expected run (ms) of the jobs from there on. */
function shortestRemaining(ordered: readonly QueuedJob[]): Float64Array {
  const shortest = new Float64Array(ordered.length + 1).fill(Infinity);
  for (let i = ordered.length - 1; i >= 0; i--) shortest[i] = Math.min(shortest[i + 1], expectedMs(ordered[i]));
  return shortest;
}

/**
 * Whether a later job could still start now: some free unit must take a run as long as the
 * shortest left (free units only get scarcer and their holes shorter as the pass goes on, and
 * once no free unit is open, later reservations change nothing a later job could use).
 */
function anyMayStart(book: SlotBook, shortestMs: number): boolean {
  const end = book.now + shortestMs;
  return (book.seats.usable > 0 && end <= summarise(book.seats).latestEnd)
    || (book.cpus.usable > 0 && end <= summarise(book.cpus).latestEnd);
}

/** Why a job can never fit on this server, or null when it can. */
function tooBig(job: QueuedJob, gpuCount: number, cpuSlots: number): string | null {
  if (job.gpus > gpuCount) return `needs ${job.gpus} GPU${job.gpus === 1 ? '' : 's'}, this server has ${gpuCount}`;
  if (job.cpus > cpuSlots) return `needs ${job.cpus} CPU slot${job.cpus === 1 ? '' : 's'}, this server has ${cpuSlots}`;
  return null;
}
