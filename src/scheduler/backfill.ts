/**
 * Starting a job now, in order or as backfill: a free unit takes a job only if the job's known
 * end is no later than the unit's first reservation (any job, if nobody reserved it; none, if
 * it is BLOCKED). So a job started out of order never delays a reservation made for a job
 * ahead of it. Placement (placement.ts) then picks among the units that qualify.
 */
import { choosePositions } from './placement.ts';
import { expectedMs } from './reservations.ts';
import type { Placement, QueuedJob } from './scheduler.ts';
import { summarise, take, usableUntil, type SlotBook, type UnitPool } from './slot-book.ts';

/**
 * Starts `job` now if it fits on units free until its end (`now + expectedMs`), and marks
 * them taken. Returns its placement, or null with the book unchanged.
 */
export function placeNow(book: SlotBook, job: QueuedJob): Placement | null {
  const { seats, cpus, seatsPerGpu, gpuIds } = book;
  if (job.gpus > seats.usable || job.cpus > cpus.usable) return null;
  const end = book.now + expectedMs(job);
  if ((job.gpus > 0 && end > summarise(seats).latestEnd) || (job.cpus > 0 && end > summarise(cpus).latestEnd)) return null;
  const candidates: number[] = [];
  const holes: number[] = [];
  const seatAt: number[] = [];
  if (job.gpus > 0) {
    for (let p = 0; p < gpuIds.length; p++) {
      let best = -1;
      for (let s = p * seatsPerGpu; s < (p + 1) * seatsPerGpu; s++) {
        if (usableUntil(seats, s, end) && (best < 0 || seats.reservedFrom[s] < seats.reservedFrom[best])) best = s;
      }
      if (best < 0) continue;
      candidates.push(p);
      seatAt[p] = best;
      if (Number.isFinite(seats.reservedFrom[best])) holes.push(p);
    }
    if (candidates.length < job.gpus) return null;
  }
  const cpuUnits = chooseCpuUnits(cpus, job.cpus, end);
  if (cpuUnits === null) return null;
  const positions = choosePositions(candidates, holes, gpuIds, job.gpus);
  for (const p of positions) take(seats, seatAt[p], end);
  for (const u of cpuUnits) take(cpus, u, end);
  return { jobId: job.jobId, gpus: positions.map((p) => gpuIds[p]), cpus: job.cpus };
}

/** `count` CPU slots free until `end`, holes first; null when too few. */
function chooseCpuUnits(cpus: UnitPool, count: number, end: number): number[] | null {
  if (count === 0) return [];
  const holes: number[] = [];
  const open: number[] = [];
  for (let u = 0; u < cpus.free.length && holes.length < count; u++) {
    if (!usableUntil(cpus, u, end)) continue;
    if (Number.isFinite(cpus.reservedFrom[u])) holes.push(u);
    else if (open.length < count) open.push(u);
  }
  const chosen = [...holes, ...open].slice(0, count);
  return chosen.length === count ? chosen : null;
}
