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
 * Sorts by (priority desc, when `byPriority`), `queuedAt`, `jobId`; a new array. Returns a copy
 * at once when already in order (the usual input: a queue listed in submission order);
 * otherwise sorts indices over typed copies of the keys, cheaper than comparing objects.
 */
function sortWithin(jobs: readonly QueuedJob[], byPriority: boolean): QueuedJob[] {
  const n = jobs.length;
  const priority = new Float64Array(n);
  const queuedAt = new Float64Array(n);
  const jobId = new Float64Array(n);
  let inOrder = true;
  for (let i = 0; i < n; i++) {
    const job = jobs[i];
    priority[i] = byPriority ? -job.priority : 0;
    queuedAt[i] = job.queuedAt;
    jobId[i] = job.jobId;
    if (inOrder && i > 0) {
      const d = priority[i - 1] - priority[i] || queuedAt[i - 1] - queuedAt[i] || jobId[i - 1] - jobId[i];
      inOrder = d <= 0;
    }
  }
  if (inOrder) return jobs.slice();
  const index = new Uint32Array(n);
  for (let i = 0; i < n; i++) index[i] = i;
  index.sort((a, b) => priority[a] - priority[b] || queuedAt[a] - queuedAt[b] || jobId[a] - jobId[b]);
  const out = new Array<QueuedJob>(n);
  for (let i = 0; i < n; i++) out[i] = jobs[index[i]];
  return out;
}
