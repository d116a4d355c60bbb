/**
 * Reservations and conservative backfill over the slot book.
 *
 * A job that cannot start now reserves the earliest time T at which enough units are free for
 * good (`availableAt <= T`), choosing the units that free up latest (busy ones before free
 * ones on ties), so units free now stay open for backfill; its units are then held from T to
 * T + its expected duration, and later reservations queue behind. A later job starts now only
 * on free units whose first reservation begins no earlier than its own known end (or that no
 * one reserved): it cannot delay any job ahead of it beyond that job's reservation.
 * A reservation that waits on an unknown end (T = Infinity) blocks every free unit of the
 * kinds it needs: no backfill past it, since any of them might be the one it needs first.
 */
import type { QueuedJob } from './scheduler.ts';
import { availableFor, block, gpuAvailableFor, hold, summarise, type SlotBook } from './slot-book.ts';

/** Milliseconds the job runs by its declared `expectedSeconds`; Infinity when unknown. */
export function expectedMs(job: QueuedJob): number {
  return job.expectedSeconds === null ? Infinity : job.expectedSeconds * 1000;
}

/**
 * Whether reserving for `job` can change what later jobs may start now: only through free
 * units it could hold or block. Skipping the others keeps a pass over a long queue cheap.
 */
export function reservationMatters(book: SlotBook, job: QueuedJob, preemption: boolean): boolean {
  const needsGpus = job.gpus > 0;
  const needsCpus = job.cpus > 0;
  if ((needsGpus && book.seats.open > 0) || (needsCpus && book.cpus.open > 0)) return true;
  if (!(needsGpus && book.seats.usable > 0) && !(needsCpus && book.cpus.usable > 0)) return false;
  // Only holes are left: a reservation at a known time leaves them as they are.
  return expectedMs(job) === Infinity || waitsOnUnknownEnd(book, job, preemption);
}

function waitsOnUnknownEnd(book: SlotBook, job: QueuedJob, preemption: boolean): boolean {
  if (summarise(book.seats).finiteGroups >= job.gpus && summarise(book.cpus).finiteGroups >= job.cpus) return false;
  let finiteGpus = 0;
  for (let p = 0; p < book.gpuIds.length; p++) if (gpuAvailableFor(book, p, job, preemption) < Infinity) finiteGpus++;
  let finiteCpus = 0;
  for (let u = 0; u < book.cpus.availableAt.length; u++) if (availableFor(book.cpus, u, job, book.now, preemption) < Infinity) finiteCpus++;
  return finiteGpus < job.gpus || finiteCpus < job.cpus;
}

/**
 * Reserves the earliest start for `job` and holds its units; returns that time (Infinity:
 * blocked). With `preemption`, units of preemptible jobs it outranks count as free now.
 */
export function reserve(book: SlotBook, job: QueuedJob, preemption: boolean): number {
  const { seats, cpus, gpuIds, seatsPerGpu, now } = book;
  const gpuFree = new Float64Array(gpuIds.length);
  for (let p = 0; p < gpuIds.length; p++) gpuFree[p] = gpuAvailableFor(book, p, job, preemption);
  const cpuFree = new Float64Array(cpus.free.length);
  if (job.cpus > 0) for (let u = 0; u < cpuFree.length; u++) cpuFree[u] = availableFor(cpus, u, job, now, preemption);
  const at = Math.max(now, kthSmallest(gpuFree, job.gpus), kthSmallest(cpuFree, job.cpus));
  if (at === Infinity) {
    if (job.gpus > 0) for (let s = 0; s < seats.free.length; s++) block(seats, s);
    if (job.cpus > 0) for (let u = 0; u < cpus.free.length; u++) block(cpus, u);
    return at;
  }
  const until = at + expectedMs(job);
  const gpuReal = new Float64Array(gpuIds.length).fill(Infinity);
  for (let s = 0; s < seats.availableAt.length; s++) {
    const p = Math.floor(s / seatsPerGpu);
    if (seats.availableAt[s] < gpuReal[p]) gpuReal[p] = seats.availableAt[s];
  }
  for (const p of chooseUnits(gpuFree, gpuReal, (p) => seatIsBusy(book, p), at, job.gpus)) {
    let best = -1;
    for (let s = p * seatsPerGpu; s < (p + 1) * seatsPerGpu; s++) {
      if (availableFor(seats, s, job, now, preemption) > at) continue;
      if (best < 0 || betterUnit(seats.availableAt[s], !seats.free[s], seats.availableAt[best], !seats.free[best], at)) best = s;
    }
    hold(seats, best, at, until);
  }
  for (const u of chooseUnits(cpuFree, cpus.availableAt, (u) => !cpus.free[u], at, job.cpus)) hold(cpus, u, at, until);
  return at;
}

/** The k-th smallest value (k >= 1), or -Infinity for k = 0. */
function kthSmallest(values: Float64Array, k: number): number {
  if (k <= 0) return -Infinity;
  return Float64Array.from(values).sort()[k - 1];
}

/**
 * `count` indices free for the job by `at` (`free[i] <= at`): those free by then without a
 * preemption first (`real[i] <= at`), the latest of them first, busy before free on ties (so
 * units free now stay open for backfill), then the lowest index.
 */
function chooseUnits(free: Float64Array, real: Float64Array, busy: (i: number) => boolean, at: number, count: number): number[] {
  const chosen: number[] = [];
  const taken = new Uint8Array(free.length);
  while (chosen.length < count) {
    let best = -1;
    for (let i = 0; i < free.length; i++) {
      if (taken[i] || free[i] > at) continue;
      if (best < 0 || betterUnit(real[i], busy(i), real[best], busy(best), at)) best = i;
    }
    if (best < 0) break;
    taken[best] = 1;
    chosen.push(best);
  }
  return chosen;
}

/** Whether a unit really free at `realA` is a better pick for a reservation at `at` than one at `realB`. */
function betterUnit(realA: number, busyA: boolean, realB: number, busyB: boolean, at: number): boolean {
  const yieldA = realA > at;
  const yieldB = realB > at;
  if (yieldA !== yieldB) return yieldB;
  if (!yieldA && realA !== realB) return realA > realB;
  return busyA && !busyB;
}

function seatIsBusy(book: SlotBook, position: number): boolean {
  for (let s = position * book.seatsPerGpu; s < (position + 1) * book.seatsPerGpu; s++) {
    if (book.seats.free[s]) return false;
  }
  return true;
}
