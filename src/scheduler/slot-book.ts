/**
 * The slot book: one pass's working view of every GPU seat and CPU slot, built from the
 * snapshot and changed only inside the pass. Each unit records three things:
 * - `free`: nothing runs on it now (and nothing was started on it in this pass);
 * - `reservedFrom`: when the first waiting job reserved it (OPEN if none, BLOCKED if a
 *   reservation that waits on an unknown end holds it): a free unit takes a job now only if
 *   the job's known end is no later;
 * - `availableAt`: from when it is free for good as far as the plan knows (Infinity = never).
 * Running jobs end at `startedAt + expectedSeconds` (now, if overdue or stopping; never, if
 * unknown). A unit also records the rank of a preemptible running job on it, since a job that
 * outranks that one may count the unit as free (it can preempt when its turn comes).
 */
import { classRank } from './ordering.ts';
import type { QueuedJob, RunningAllocation, Snapshot } from './scheduler.ts';

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
  /** Class rank (0 high … 2 low) of a preemptible, non-stopping running job on it; -1 if none. */
  readonly yieldRank: Int8Array;
  /** That job's priority within its class. */
  readonly yieldPriority: Float64Array;
  /** Free units that are not BLOCKED. */
  usable: number;
  /** Free units that are OPEN. */
  open: number;
  /** Units per group: seats per GPU, or 1 for CPU slots. */
  readonly groupSize: number;
  /** Bumped by every change; keys `summary`. */
  version: number;
  summary: PoolSummary | null;
}

/** Facts about a pool that let a pass skip jobs in O(1); recomputed after a change. */
export interface PoolSummary {
  readonly version: number;
  /** The latest end a job may have and still start now on some free unit; -Infinity if none. */
  readonly latestEnd: number;
  /** Groups (GPUs) with a unit whose `availableAt` is finite. */
  readonly finiteGroups: number;
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
  const seats = createPool(gpuIds.length * seatsPerGpu, seatsPerGpu, now);
  const cpus = createPool(Math.max(0, Math.floor(slots.cpuSlots)), 1, now);
  const position = new Map(gpuIds.map((id, p) => [id, p]));
  const held = new Map<number, { seats: number[]; cpuUnits: number[] }>();
  for (const r of snapshot.running) {
    const end = endOfRunning(r, now);
    const rank = r.preemptible && !r.stopping ? classRank[r.priorityClass] : -1;
    const mine = { seats: [] as number[], cpuUnits: [] as number[] };
    for (const id of r.gpus) {
      const p = position.get(id);
      if (p === undefined) continue;
      for (let s = p * seatsPerGpu; s < (p + 1) * seatsPerGpu; s++) {
        if (seats.free[s]) {
          take(seats, s, end);
          setYield(seats, s, rank, r.priority);
          mine.seats.push(s);
          break;
        }
      }
    }
    for (let u = 0, need = r.cpus; u < cpus.free.length && need > 0; u++) {
      if (cpus.free[u]) {
        take(cpus, u, end);
        setYield(cpus, u, rank, r.priority);
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
  pool.version++;
  pool.free[unit] = 0;
  if (pool.reservedFrom[unit] !== BLOCKED) pool.usable--;
  if (pool.reservedFrom[unit] === OPEN) pool.open--;
  if (end > pool.availableAt[unit]) pool.availableAt[unit] = end;
}

/** Records a reservation of `unit` for [from, until). */
export function hold(pool: UnitPool, unit: number, from: number, until: number): void {
  pool.version++;
  if (pool.free[unit] && pool.reservedFrom[unit] === OPEN) pool.open--;
  if (from < pool.reservedFrom[unit]) pool.reservedFrom[unit] = from;
  pool.availableAt[unit] = until;
}

/** Closes a free unit to every backfill: a reservation waiting on an unknown end may need it. */
export function block(pool: UnitPool, unit: number): void {
  if (!pool.free[unit] || pool.reservedFrom[unit] === BLOCKED) return;
  pool.version++;
  pool.usable--;
  if (pool.reservedFrom[unit] === OPEN) pool.open--;
  pool.reservedFrom[unit] = BLOCKED;
  pool.availableAt[unit] = Infinity;
}

/** Records (rank >= 0) or clears (-1) the preemptible job on a unit. */
export function setYield(pool: UnitPool, unit: number, rank: number, priority: number): void {
  pool.version++;
  pool.yieldRank[unit] = rank;
  pool.yieldPriority[unit] = priority;
}

/** A preempted job's unit: busy until it exits, then free (it is never preempted twice). */
export function freeFromNow(pool: UnitPool, unit: number, now: number): void {
  setYield(pool, unit, -1, 0);
  pool.availableAt[unit] = now;
}

/** The pool's summary, computed once per change. */
export function summarise(pool: UnitPool): PoolSummary {
  if (pool.summary?.version === pool.version) return pool.summary;
  let latestEnd = -Infinity;
  let finiteGroups = 0;
  for (let g = 0; g * pool.groupSize < pool.free.length; g++) {
    let finite = false;
    for (let u = g * pool.groupSize; u < (g + 1) * pool.groupSize; u++) {
      if (pool.free[u] && pool.reservedFrom[u] > latestEnd) latestEnd = pool.reservedFrom[u];
      if (pool.availableAt[u] < Infinity) finite = true;
    }
    if (finite) finiteGroups++;
  }
  return (pool.summary = { version: pool.version, latestEnd, finiteGroups });
}

/**
 * When `unit` is free for good as far as `job` is concerned: its `availableAt`, or now when a
 * preemptible job that `job` outranks runs on it and no reservation is stacked on it yet.
 */
export function availableFor(pool: UnitPool, unit: number, job: QueuedJob, now: number, preemption: boolean): number {
  const rank = pool.yieldRank[unit];
  if (!preemption || rank < 0 || pool.reservedFrom[unit] !== OPEN) return pool.availableAt[unit];
  const own = classRank[job.priorityClass];
  return rank > own || (rank === own && pool.yieldPriority[unit] < job.priority) ? now : pool.availableAt[unit];
}

/** Whether a free unit may take a job ending at `end` without delaying its reservation. */
export function usableUntil(pool: UnitPool, unit: number, end: number): boolean {
  return pool.free[unit] === 1 && end <= pool.reservedFrom[unit];
}

/** The earliest time a seat of the GPU at `position` is free for good for `job` (see availableFor). */
export function gpuAvailableFor(book: SlotBook, position: number, job: QueuedJob, preemption: boolean): number {
  let best = Infinity;
  for (let s = position * book.seatsPerGpu; s < (position + 1) * book.seatsPerGpu; s++) {
    const at = availableFor(book.seats, s, job, book.now, preemption);
    if (at < best) best = at;
  }
  return best;
}

function createPool(size: number, groupSize: number, now: number): UnitPool {
  return {
    free: new Uint8Array(size).fill(1),
    reservedFrom: new Float64Array(size).fill(OPEN),
    availableAt: new Float64Array(size).fill(now),
    yieldRank: new Int8Array(size).fill(-1),
    yieldPriority: new Float64Array(size),
    usable: size,
    open: size,
    groupSize,
    version: 0,
    summary: null,
  };
}
