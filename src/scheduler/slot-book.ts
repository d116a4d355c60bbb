/**
 * The slot book: one pass's working view of every GPU seat and CPU slot, built from the
 * snapshot and changed only inside the pass. Each unit records three things:
 * - `free`: nothing runs on it now (and nothing was started on it in this pass);
 * - `reservedFrom`: when the first waiting job reserved it (OPEN if none, BLOCKED if a
 *   reservation that waits on an unknown end holds it): a free unit takes a job now only if
 *   the job's known end is no later;
 * - `availableAt`: from when it is free for good as far as the plan knows (Infinity = never).
 * Running jobs end at `startedAt + expectedSeconds` (now, if overdue or stopping; never, if
 * unknown).
 */
import type { RunningAllocation, Snapshot } from './scheduler.ts';

/** `reservedFrom` of a unit no waiting job has reserved. */
export const OPEN = Number.POSITIVE_INFINITY;
/** `reservedFrom` of a unit held by a reservation that waits on an unknown end: no backfill. */
export const BLOCKED = Number.NEGATIVE_INFINITY;

/** Interchangeable units over time: the seats of all GPUs, or the CPU slots. */
export interface UnitPool {
  /** 1 while the unit is free now. */
  readonly free: Uint8Array;
  readonly reservedFrom: Float64Array;
  readonly availableAt: Float64Array;
  /** Free units that are not BLOCKED. */
  usable: number;
  /** Free units that are OPEN. */
  open: number;
}

export interface SlotBook {
  readonly now: number;
  /** Inventory GPU indices, ascending. Seats of the GPU at position p: p*seatsPerGpu + s. */
  readonly gpuIds: readonly number[];
  readonly seatsPerGpu: number;
  readonly seats: UnitPool;
  readonly cpus: UnitPool;
  /** The seats and CPU slots each running job holds, by job id. */
  readonly held: ReadonlyMap<number, { readonly seats: readonly number[]; readonly cpuUnits: readonly number[] }>;
}

export function createSlotBook(snapshot: Snapshot): SlotBook {
  const { now, slots } = snapshot;
  const gpuIds = [...new Set(slots.gpus)].sort((a, b) => a - b);
  const seatsPerGpu = Math.max(1, Math.floor(slots.jobsPerGpu ?? 1));
  const seats = createPool(gpuIds.length * seatsPerGpu, now);
  const cpus = createPool(Math.max(0, Math.floor(slots.cpuSlots)), now);
  const position = new Map(gpuIds.map((id, p) => [id, p]));
  const held = new Map<number, { seats: number[]; cpuUnits: number[] }>();
  for (const r of snapshot.running) {
    const end = endOfRunning(r, now);
    const mine = { seats: [] as number[], cpuUnits: [] as number[] };
    for (const id of r.gpus) {
      const p = position.get(id);
      if (p === undefined) continue;
      for (let s = p * seatsPerGpu; s < (p + 1) * seatsPerGpu; s++) {
        if (seats.free[s]) {
          take(seats, s, end);
          mine.seats.push(s);
          break;
        }
      }
    }
    for (let u = 0, need = r.cpus; u < cpus.free.length && need > 0; u++) {
      if (cpus.free[u]) {
        take(cpus, u, end);
        mine.cpuUnits.push(u);
        need--;
      }
    }
    held.set(r.jobId, mine);
  }
  return { now, gpuIds, seatsPerGpu, seats, cpus, held };
}

/** When a running job's slots free up as far as the scheduler may assume. */
export function endOfRunning(r: RunningAllocation, now: number): number {
  if (r.stopping) return now;
  if (r.expectedSeconds === null) return Infinity;
  return Math.max(now, r.startedAt + r.expectedSeconds * 1000);
}

/** Occupies a free unit until `end` (Infinity = unknown). */
export function take(pool: UnitPool, unit: number, end: number): void {
  if (!pool.free[unit]) return;
  pool.free[unit] = 0;
  if (pool.reservedFrom[unit] !== BLOCKED) pool.usable--;
  if (pool.reservedFrom[unit] === OPEN) pool.open--;
  if (end > pool.availableAt[unit]) pool.availableAt[unit] = end;
}

/** Records a reservation of `unit` for [from, until). */
export function hold(pool: UnitPool, unit: number, from: number, until: number): void {
  if (pool.free[unit] && pool.reservedFrom[unit] === OPEN) pool.open--;
  if (from < pool.reservedFrom[unit]) pool.reservedFrom[unit] = from;
  pool.availableAt[unit] = until;
}

/** Closes a free unit to every backfill: a reservation waiting on an unknown end may need it. */
export function block(pool: UnitPool, unit: number): void {
  if (!pool.free[unit] || pool.reservedFrom[unit] === BLOCKED) return;
  pool.usable--;
  if (pool.reservedFrom[unit] === OPEN) pool.open--;
  pool.reservedFrom[unit] = BLOCKED;
  pool.availableAt[unit] = Infinity;
}

/** Whether a free unit may take a job ending at `end` without delaying its reservation. */
export function usableUntil(pool: UnitPool, unit: number, end: number): boolean {
  return pool.free[unit] === 1 && end <= pool.reservedFrom[unit];
}

/** The earliest time a seat of the GPU at `position` is free for good. */
export function gpuAvailableAt(book: SlotBook, position: number): number {
  let best = Infinity;
  for (let s = position * book.seatsPerGpu; s < (position + 1) * book.seatsPerGpu; s++) {
    if (book.seats.availableAt[s] < best) best = book.seats.availableAt[s];
  }
  return best;
}

function createPool(size: number, now: number): UnitPool {
  return {
    free: new Uint8Array(size).fill(1),
    reservedFrom: new Float64Array(size).fill(OPEN),
    availableAt: new Float64Array(size).fill(now),
    usable: size,
    open: size,
  };
}
