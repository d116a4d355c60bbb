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
  if (settings.ordering === 'arrival') return [...ready].sort(compareArrival);
  const sorted = [...ready].sort(comparePriority);
  return settings.fairShare ? interleaveOwners(sorted, running) : sorted;
}
