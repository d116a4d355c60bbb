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
  const unschedulable: Array<{ jobId: number; reason: string }> = [];
  const ready: QueuedJob[] = [];
  const needNothing: QueuedJob[] = [];
  for (const job of snapshot.queue) {
    const reason = tooBig(job, gpuCount, snapshot.slots.cpuSlots);
    if (reason !== null) unschedulable.push({ jobId: job.jobId, reason });
    else if (job.notBefore !== null && job.notBefore > snapshot.now) continue;
    else (job.gpus === 0 && job.cpus === 0 ? needNothing : ready).push(job);
  }
  unschedulable.sort((a, b) => a.jobId - b.jobId);
  // A job that needs no slot delays nobody: it starts at once.
  const start: Placement[] = orderJobs(needNothing, settings, []).map((job) => ({ jobId: job.jobId, gpus: [], cpus: 0 }));

  const book = createSlotBook(snapshot);
  const preempt: Preemption[] = [];
  let headSeen = false;
  const ordered = orderJobs(ready, settings, snapshot.running);
  const rest = remainingNeeds(ordered);
  for (let i = 0; i < ordered.length; i++) {
    const job = ordered[i];
    if ((headSeen || !settings.reservations) && !anyMayStart(book, rest, i)) break;
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

/**
 * From each position on, over the jobs that need GPUs: the fewest GPUs any needs and the
 * shortest expected run (ms) of any; likewise over the jobs that need CPU slots.
 */
interface RemainingNeeds {
  readonly fewestGpus: Float64Array;
  readonly shortestGpuRun: Float64Array;
  readonly fewestCpus: Float64Array;
  readonly shortestCpuRun: Float64Array;
}

function remainingNeeds(ordered: readonly QueuedJob[]): RemainingNeeds {
  const n = ordered.length;
  const make = (): Float64Array => new Float64Array(n + 1).fill(Infinity);
  const rest = { fewestGpus: make(), shortestGpuRun: make(), fewestCpus: make(), shortestCpuRun: make() };
  for (let i = n - 1; i >= 0; i--) {
    const job = ordered[i];
    const run = expectedMs(job);
    rest.fewestGpus[i] = Math.min(rest.fewestGpus[i + 1], job.gpus > 0 ? job.gpus : Infinity);
    rest.shortestGpuRun[i] = Math.min(rest.shortestGpuRun[i + 1], job.gpus > 0 ? run : Infinity);
    rest.fewestCpus[i] = Math.min(rest.fewestCpus[i + 1], job.cpus > 0 ? job.cpus : Infinity);
    rest.shortestCpuRun[i] = Math.min(rest.shortestCpuRun[i + 1], job.cpus > 0 ? run : Infinity);
  }
  return rest;
}

/**
 * Whether some job from position `i` on could still start now. Free units only get scarcer and
 * their holes shorter as the pass goes on, and once no free unit is open, later reservations
 * change nothing a later job could use: when this turns false, the pass is over.
 */
function anyMayStart(book: SlotBook, rest: RemainingNeeds, i: number): boolean {
  const { seats, cpus, now } = book;
  const gpuJobMay = rest.fewestGpus[i] <= seats.usable && now + rest.shortestGpuRun[i] <= summarise(seats).latestEnd;
  const cpuJobMay = rest.fewestCpus[i] <= cpus.usable && now + rest.shortestCpuRun[i] <= summarise(cpus).latestEnd;
  return gpuJobMay || cpuJobMay;
}

/** Why a job can never fit on this server, or null when it can. */
function tooBig(job: QueuedJob, gpuCount: number, cpuSlots: number): string | null {
  if (job.gpus > gpuCount) return `needs ${job.gpus} GPU${job.gpus === 1 ? '' : 's'}, this server has ${gpuCount}`;
  if (job.cpus > cpuSlots) return `needs ${job.cpus} CPU slot${job.cpus === 1 ? '' : 's'}, this server has ${cpuSlots}`;
  return null;
}
