/**
 * Preemption choice: when the head (the first ready job in order that cannot start now) would
 * fit if some running jobs were gone, pick the cheapest set of victims among running jobs that
 * are preemptible, not already stopping, and of a strictly lower class (or lower priority
 * within the class). Cheapest: fewest GPU-seconds lost since their last checkpoint, then fewest
 * jobs, then the most recently started (largest sum of start times). Units of jobs already
 * stopping count as free: no job is preempted when those suffice.
 *
 * Exact when GPUs are not shared (a covering knapsack over GPUs and CPU slots still needed);
 * with `jobsPerGpu > 1` a victim frees a GPU only together with its seat-mates, so the choice is
 * greedy by cost, then pruned of victims it can do without.
 */
import { outranks } from './ordering.ts';
import type { Preemption, QueuedJob, RunningAllocation } from './scheduler.ts';
import { freeFromNow, type SlotBook } from './slot-book.ts';

interface Candidate {
  readonly allocation: RunningAllocation;
  /** Positions of GPUs that would become usable for the head (beyond those already usable). */
  readonly positions: readonly number[];
  readonly cpus: number;
  readonly lostGpuSeconds: number;
}

/** GPU-seconds of work since the last checkpoint (or start) of a running job, at `now`. */
export function lostGpuSeconds(r: RunningAllocation, now: number): number {
  return r.gpus.length * Math.max(0, now - (r.lastCheckpointAt ?? r.startedAt)) / 1000;
}

/**
 * The victims that make room for `head`, cheapest first; empty when none are needed (jobs
 * already stopping suffice) or no set of them suffices. Marks their units free from now on.
 */
export function choosePreemption(book: SlotBook, head: QueuedJob, running: readonly RunningAllocation[]): Preemption[] {
  const k = book.seatsPerGpu;
  const seatsFreeSoon = new Set<number>();
  let cpusFreeSoon = book.cpus.usable;
  for (let s = 0; s < book.seats.free.length; s++) if (book.seats.free[s]) seatsFreeSoon.add(s);
  for (const r of running) {
    if (!r.stopping) continue;
    const mine = book.held.get(r.jobId);
    for (const s of mine?.seats ?? []) seatsFreeSoon.add(s);
    cpusFreeSoon += mine?.cpuUnits.length ?? 0;
  }
  const usableGpus = new Set([...seatsFreeSoon].map((s) => Math.floor(s / k)));
  const needGpus = Math.max(0, head.gpus - usableGpus.size);
  const needCpus = Math.max(0, head.cpus - cpusFreeSoon);
  if (needGpus === 0 && needCpus === 0) return [];

  const candidates: Candidate[] = [];
  for (const r of running) {
    if (r.stopping || !r.preemptible || !outranks(head, r)) continue;
    const mine = book.held.get(r.jobId);
    if (!mine) continue;
    const positions = [...new Set(mine.seats.map((s) => Math.floor(s / k)))].filter((p) => !usableGpus.has(p));
    candidates.push({ allocation: r, positions, cpus: mine.cpuUnits.length, lostGpuSeconds: lostGpuSeconds(r, book.now) });
  }
  const chosen = k === 1
    ? cheapestCover(candidates, needGpus, needCpus)
    : greedyCover(candidates, needGpus, needCpus);
  if (chosen === null) return [];
  for (const c of chosen) {
    const mine = book.held.get(c.allocation.jobId)!;
    for (const s of mine.seats) freeFromNow(book.seats, s, book.now);
    for (const u of mine.cpuUnits) freeFromNow(book.cpus, u, book.now);
  }
  return chosen
    .map((c) => ({ jobId: c.allocation.jobId, forJobId: head.jobId, lostGpuSeconds: c.lostGpuSeconds }))
    .sort((a, b) => a.lostGpuSeconds - b.lostGpuSeconds || a.jobId - b.jobId);
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
