/**
 * Ordering: which ready job comes first. Priority order is class (high > normal > low), then
 * `priority` (higher first), then `queuedAt` (lower first), then `jobId`; arrival order is
 * `queuedAt`, then `jobId`. With fair share on, owners are then interleaved within each class
 * (fair-share.ts).
 */
import { interleaveOwners } from './fair-share.ts';
import type { PolicySettings } from './policies.ts';
import type { PriorityClass, QueuedJob, RunningAllocation } from './scheduler.ts';

/** 0 for high, 1 for normal, 2 for low: lower ranks go first. */
export const classRank: Readonly<Record<PriorityClass, number>> = Object.freeze({ high: 0, normal: 1, low: 2 });

/** Negative when `a` goes before `b` in priority order. */
export function comparePriority(a: QueuedJob, b: QueuedJob): number {
  return classRank[a.priorityClass] - classRank[b.priorityClass]
    || b.priority - a.priority
    || a.queuedAt - b.queuedAt
    || a.jobId - b.jobId;
}

/** Negative when `a` goes before `b` in arrival order. */
export function compareArrival(a: QueuedJob, b: QueuedJob): number {
  return a.queuedAt - b.queuedAt || a.jobId - b.jobId;
}

/** Whether a waiting job may preempt a running one: strictly higher class, or priority within it. */
export function outranks(job: QueuedJob, running: RunningAllocation): boolean {
  const byClass = classRank[running.priorityClass] - classRank[job.priorityClass];
  return byClass > 0 || (byClass === 0 && job.priority > running.priority);
}

/** The ready jobs in the order the policy serves them; a new array. */
export function orderJobs(
  ready: readonly QueuedJob[],
  settings: PolicySettings,
  running: readonly RunningAllocation[],
): QueuedJob[] {
  if (settings.ordering === 'arrival') return sortWithin(ready, false);
  const byClass: QueuedJob[][] = [[], [], []];
  for (const job of ready) {
    const c = job.priorityClass;
    byClass[c === 'high' ? 0 : c === 'low' ? 2 : 1].push(job);
  }
  const sorted = sortWithin(byClass[0], true).concat(sortWithin(byClass[1], true), sortWithin(byClass[2], true));
  return settings.fairShare ? interleaveOwners(sorted, running) : sorted;
}

/**
 * Sorts by `priority` (higher first; only when `byPriority`), then `queuedAt`, then `jobId`;
 * a new array. The usual input (a queue listed in submission order) is in order already and
 * costs one look; an out-of-order one with a single priority and whole-millisecond
 * `queuedAt`s is sorted by numeric keys, several times faster than comparing objects.
 */
function sortWithin(jobs: readonly QueuedJob[], byPriority: boolean): QueuedJob[] {
  const compare = byPriority ? compareWithinClass : compareArrival;
  for (let i = 1; i < jobs.length; i++) {
    if (compare(jobs[i - 1], jobs[i]) > 0) return sortByKeys(jobs, byPriority) ?? [...jobs].sort(compare);
  }
  return jobs.slice();
}

/**
 * Sorts by `queuedAt`, then `jobId`, through one Float64Array of keys (queuedAt offset × n +
 * input position), when that is exact: integer `queuedAt`s, keys below 2^53, and (when the
 * order is `byPriority`) all priorities equal. Null otherwise.
 */
function sortByKeys(jobs: readonly QueuedJob[], byPriority: boolean): QueuedJob[] | null {
  const n = jobs.length;
  let min = Infinity;
  let max = -Infinity;
  for (const job of jobs) {
    if ((byPriority && job.priority !== jobs[0].priority) || !Number.isInteger(job.queuedAt)) return null;
    if (job.queuedAt < min) min = job.queuedAt;
    if (job.queuedAt > max) max = job.queuedAt;
  }
  if ((max - min + 1) * n >= Number.MAX_SAFE_INTEGER) return null;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = (jobs[i].queuedAt - min) * n + i;
  keys.sort();
  const out = new Array<QueuedJob>(n);
  for (let i = 0; i < n; i++) out[i] = jobs[keys[i] % n];
  // Equal queuedAt: by jobId, not by input position.
  for (let from = 0; from < n;) {
    let to = from + 1;
    while (to < n && out[to].queuedAt === out[from].queuedAt) to++;
    if (to - from > 1) out.splice(from, to - from, ...out.slice(from, to).sort(compareArrival));
    from = to;
  }
  return out;
}

function compareWithinClass(a: QueuedJob, b: QueuedJob): number {
  return b.priority - a.priority || a.queuedAt - b.queuedAt || a.jobId - b.jobId;
}
