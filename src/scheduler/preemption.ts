/**
 * Preemption choice: when a waiting job would fit if some running jobs were gone, pick the
 * cheapest set of victims among running jobs that are preemptible, not already stopping or
 * chosen in this pass, and of a strictly lower class (or lower priority within the class).
 * Cheapest: fewest GPU-seconds lost since their last checkpoint, then fewest jobs, then the most
 * recently started (largest sum of start times). Units of jobs already leaving count as free:
 * no job is preempted when those suffice.
 *
 * The job may use only units that no reservation of a job ahead of it needs before its own
 * known end (`reservedFrom >= now + expected`), the rule backfill follows: so it never takes
 * slots from a higher or earlier job that waits for them. For the head nothing is reserved yet.
 *
 * Exact when GPUs are not shared (a covering knapsack over GPUs and CPU slots still needed);
 * with `jobsPerGpu > 1` a victim frees a GPU only together with its seat-mates, so the choice is
 * greedy by cost, then pruned of victims it can do without.
 */
import { outranks } from './ordering.ts';
import { expectedMs } from './reservations.ts';
import type { Preemption, QueuedJob, RunningAllocation } from './scheduler.ts';
import { freeFromNow, holdNow, type SlotBook, type UnitPool } from './slot-book.ts';

interface Candidate {
  readonly allocation: RunningAllocation;
  /** Positions of GPUs that would become usable for the job (beyond those already usable). */
  readonly positions: readonly number[];
  readonly cpus: number;
  readonly lostGpuSeconds: number;
}

/** GPU-seconds of work since the last checkpoint (or start) of a running job, at `now`. */
export function lostGpuSeconds(r: RunningAllocation, now: number): number {
  return r.gpus.length * Math.max(0, now - (r.lastCheckpointAt ?? r.startedAt)) / 1000;
}

/** Units the job may use: free, or of a job already leaving, and reserved by nobody before its end. */
function unitsFreeSoon(book: SlotBook, pool: UnitPool, end: number, running: readonly RunningAllocation[], cpu: boolean): number[] {
  const out: number[] = [];
  for (let u = 0; u < pool.free.length; u++) if (pool.free[u] && pool.reservedFrom[u] >= end) out.push(u);
  for (const r of running) {
    if (!r.stopping && !book.preempted.has(r.jobId)) continue;
    const mine = book.held.get(r.jobId);
    for (const u of (cpu ? mine?.cpuUnits : mine?.seats) ?? []) if (pool.reservedFrom[u] >= end) out.push(u);
  }
  return out;
}

/**
 * The victims that make room for `job`, cheapest first; empty when none are needed (jobs
 * already leaving suffice) or no set of them suffices. Marks their units free from now on.
 */
export function choosePreemption(book: SlotBook, job: QueuedJob, running: readonly RunningAllocation[]): Preemption[] {
  const k = book.seatsPerGpu;
  const end = book.now + expectedMs(job);
  const fits = (pool: UnitPool, u: number): boolean => pool.reservedFrom[u] >= end;
  const usableGpus = new Set(unitsFreeSoon(book, book.seats, end, running, false).map((s) => Math.floor(s / k)));
  const needGpus = Math.max(0, job.gpus - usableGpus.size);
  const needCpus = Math.max(0, job.cpus - unitsFreeSoon(book, book.cpus, end, running, true).length);
  if (needGpus === 0 && needCpus === 0) return [];

  const candidates: Candidate[] = [];
  for (const r of running) {
    if (r.stopping || book.preempted.has(r.jobId) || !r.preemptible || !outranks(job, r)) continue;
    const mine = book.held.get(r.jobId);
    if (!mine) continue;
    const seats = mine.seats.filter((s) => fits(book.seats, s));
    const positions = [...new Set(seats.map((s) => Math.floor(s / k)))].filter((p) => !usableGpus.has(p));
    const cpus = mine.cpuUnits.filter((u) => fits(book.cpus, u)).length;
    candidates.push({ allocation: r, positions, cpus, lostGpuSeconds: lostGpuSeconds(r, book.now) });
  }
  const chosen = k === 1
    ? cheapestCover(candidates, needGpus, needCpus)
    : greedyCover(candidates, needGpus, needCpus);
  if (chosen === null) return [];
  for (const c of chosen) {
    const mine = book.held.get(c.allocation.jobId)!;
    book.preempted.add(c.allocation.jobId);
    for (const s of mine.seats) freeFromNow(book.seats, s, book.now);
    for (const u of mine.cpuUnits) freeFromNow(book.cpus, u, book.now);
  }
  return chosen
    .map((c) => ({ jobId: c.allocation.jobId, forJobId: job.jobId, lostGpuSeconds: c.lostGpuSeconds }))
    .sort((a, b) => a.lostGpuSeconds - b.lostGpuSeconds || a.jobId - b.jobId);
}

/**
 * After a preemption for a job behind the head: holds the units it will start on from now to
 * its end (units of leaving jobs first, then holes, then open units; one seat per GPU), so no
 * later job takes them and no later reservation counts on them before then.
 */
export function holdForPreemptor(book: SlotBook, job: QueuedJob, running: readonly RunningAllocation[]): void {
  const end = book.now + expectedMs(job);
  const rank = (pool: UnitPool, u: number): number => (!pool.free[u] ? 0 : pool.reservedFrom[u] < Infinity ? 1 : 2);
  const pick = (pool: UnitPool, units: number[], count: number, group: number): number[] => {
    const chosen: number[] = [];
    const groups = new Set<number>();
    units.sort((a, b) => rank(pool, a) - rank(pool, b) || a - b);
    for (const u of units) {
      if (chosen.length === count) break;
      if (groups.has(Math.floor(u / group))) continue;
      groups.add(Math.floor(u / group));
      chosen.push(u);
    }
    return chosen;
  };
  for (const s of pick(book.seats, unitsFreeSoon(book, book.seats, end, running, false), job.gpus, book.seatsPerGpu)) holdNow(book.seats, s, book.now, end);
  for (const u of pick(book.cpus, unitsFreeSoon(book, book.cpus, end, running, true), job.cpus, 1)) holdNow(book.cpus, u, book.now, end);
}

/** Exact covering knapsack: dp over (GPUs still needed, CPU slots still needed). */
function cheapestCover(candidates: readonly Candidate[], needGpus: number, needCpus: number): Candidate[] | null {
  const width = needCpus + 1;
  const states = (needGpus + 1) * width;
  const cost = new Float64Array(states).fill(Infinity);
  const count = new Int32Array(states);
  const recency = new Float64Array(states);
  const items = candidates.filter((c) => (needGpus > 0 && c.positions.length > 0) || (needCpus > 0 && c.cpus > 0));
  const took = new Uint8Array(items.length * states);
  cost[0] = 0;
  for (let i = 0; i < items.length; i++) {
    const { positions, cpus, lostGpuSeconds: lost, allocation } = items[i];
    for (let a = needGpus; a >= 0; a--) {
      for (let b = needCpus; b >= 0; b--) {
        const from = Math.max(0, a - positions.length) * width + Math.max(0, b - cpus);
        const here = a * width + b;
        if (from === here || cost[from] === Infinity) continue;
        const c = cost[from] + lost;
        const n = count[from] + 1;
        const r = recency[from] + allocation.startedAt;
        if (!cheaper(c, n, r, cost[here], count[here], recency[here])) continue;
        cost[here] = c;
        count[here] = n;
        recency[here] = r;
        took[i * states + here] = 1;
      }
    }
  }
  let state = states - 1;
  if (cost[state] === Infinity) return null;
  const chosen: Candidate[] = [];
  for (let i = items.length - 1; i >= 0 && state !== 0; i--) {
    if (!took[i * states + state]) continue;
    chosen.push(items[i]);
    const a = Math.floor(state / width);
    const b = state % width;
    state = Math.max(0, a - items[i].positions.length) * width + Math.max(0, b - items[i].cpus);
  }
  return chosen;
}

function cheaper(cost: number, count: number, recency: number, bestCost: number, bestCount: number, bestRecency: number): boolean {
  if (bestCost === Infinity) return true;
  const epsilon = 1e-9 * Math.max(1, Math.abs(bestCost));
  if (cost < bestCost - epsilon) return true;
  if (cost > bestCost + epsilon) return false;
  return count < bestCount || (count === bestCount && recency > bestRecency);
}

/** Shared GPUs: add victims by cost until the head fits, then drop the costliest it can do without. */
function greedyCover(candidates: readonly Candidate[], needGpus: number, needCpus: number): Candidate[] | null {
  const order = [...candidates].sort((a, b) => a.lostGpuSeconds - b.lostGpuSeconds || b.allocation.startedAt - a.allocation.startedAt);
  // A GPU becomes usable once any one of its seats frees, whoever held it.
  const covers = (set: readonly Candidate[]): boolean =>
    new Set(set.flatMap((c) => c.positions)).size >= needGpus && set.reduce((n, c) => n + c.cpus, 0) >= needCpus;
  const chosen: Candidate[] = [];
  for (const c of order) {
    if (covers(chosen)) break;
    chosen.push(c);
  }
  if (!covers(chosen)) return null;
  for (let i = chosen.length - 1; i >= 0; i--) {
    if (covers(chosen.filter((_, j) => j !== i))) chosen.splice(i, 1);
  }
  return chosen;
}
