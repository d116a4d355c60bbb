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
import { choosePositions } from './placement.ts';
import type { Placement, QueuedJob } from './scheduler.ts';
import { block, gpuAvailableAt, hold, take, usableUntil, type SlotBook, type UnitPool } from './slot-book.ts';

/** Milliseconds the job runs by its declared `expectedSeconds`; Infinity when unknown. */
export function expectedMs(job: QueuedJob): number {
  return job.expectedSeconds === null ? Infinity : job.expectedSeconds * 1000;
}

/**
 * Starts `job` now if it fits on units free until its end (`now + expectedMs`), and marks
 * them taken. Returns its placement, or null with the book unchanged.
 */
export function placeNow(book: SlotBook, job: QueuedJob): Placement | null {
  const { seats, cpus, seatsPerGpu, gpuIds } = book;
  if (job.gpus > seats.usable || job.cpus > cpus.usable) return null;
  const end = book.now + expectedMs(job);
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

/**
 * Whether reserving for `job` can change what later jobs may start now: only through free
 * units it could hold or block. Skipping the others keeps a pass over a long queue cheap.
 */
export function reservationMatters(book: SlotBook, job: QueuedJob): boolean {
  const needsGpus = job.gpus > 0;
  const needsCpus = job.cpus > 0;
  if ((needsGpus && book.seats.open > 0) || (needsCpus && book.cpus.open > 0)) return true;
  if (!(needsGpus && book.seats.usable > 0) && !(needsCpus && book.cpus.usable > 0)) return false;
  // Only holes are left: a reservation at a known time leaves them as they are.
  return expectedMs(job) === Infinity || waitsOnUnknownEnd(book, job);
}

function waitsOnUnknownEnd(book: SlotBook, job: QueuedJob): boolean {
  let finiteGpus = 0;
  for (let p = 0; p < book.gpuIds.length; p++) if (gpuAvailableAt(book, p) < Infinity) finiteGpus++;
  let finiteCpus = 0;
  for (let u = 0; u < book.cpus.availableAt.length; u++) if (book.cpus.availableAt[u] < Infinity) finiteCpus++;
  return finiteGpus < job.gpus || finiteCpus < job.cpus;
}

/** Reserves the earliest start for `job` and holds its units; returns that time (Infinity: blocked). */
export function reserve(book: SlotBook, job: QueuedJob): number {
  const { seats, cpus, gpuIds, seatsPerGpu } = book;
  const gpuFree = new Float64Array(gpuIds.length);
  for (let p = 0; p < gpuIds.length; p++) gpuFree[p] = gpuAvailableAt(book, p);
  const at = Math.max(book.now, kthSmallest(gpuFree, job.gpus), kthSmallest(cpus.availableAt, job.cpus));
  if (at === Infinity) {
    if (job.gpus > 0) for (let s = 0; s < seats.free.length; s++) block(seats, s);
    if (job.cpus > 0) for (let u = 0; u < cpus.free.length; u++) block(cpus, u);
    return at;
  }
  const until = at + expectedMs(job);
  const positions = latestFirst(gpuFree, (p) => seatIsBusy(book, p), at, job.gpus);
  for (const p of positions) {
    let best = -1;
    for (let s = p * seatsPerGpu; s < (p + 1) * seatsPerGpu; s++) {
      if (seats.availableAt[s] > at) continue;
      if (best < 0 || seats.availableAt[s] > seats.availableAt[best] || (seats.availableAt[s] === seats.availableAt[best] && !seats.free[s])) best = s;
    }
    hold(seats, best, at, until);
  }
  for (const u of latestFirst(cpus.availableAt, (u) => !cpus.free[u], at, job.cpus)) hold(cpus, u, at, until);
  return at;
}

/** The k-th smallest value (k >= 1), or -Infinity for k = 0. */
function kthSmallest(values: Float64Array, k: number): number {
  if (k <= 0) return -Infinity;
  return Float64Array.from(values).sort()[k - 1];
}

/** `count` indices whose value is <= `at`: latest value first, busy before free, lowest index. */
function latestFirst(values: Float64Array, busy: (i: number) => boolean, at: number, count: number): number[] {
  if (count === 0) return [];
  const fit: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] <= at) fit.push(i);
  fit.sort((a, b) => values[b] - values[a] || Number(busy(b)) - Number(busy(a)) || a - b);
  return fit.slice(0, count);
}

function seatIsBusy(book: SlotBook, position: number): boolean {
  for (let s = position * book.seatsPerGpu; s < (position + 1) * book.seatsPerGpu; s++) {
    if (book.seats.free[s]) return false;
  }
  return true;
}
