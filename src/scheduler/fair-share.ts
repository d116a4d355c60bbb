/**
 * Fair share between owners (users or projects), within a priority class: the owner with the
 * least GPU share goes first. An owner's share is the GPUs its running, non-stopping jobs hold,
 * plus the GPUs of its jobs already placed ahead in this order (started or reserved), so one
 * pass interleaves owners instead of serving the least-served owner's whole queue. Ties go to
 * the owner whose next job comes first in priority order. Jobs without an owner form one group.
 * Classes never mix: every high job still precedes every normal one.
 */
import type { QueuedJob, RunningAllocation } from './scheduler.ts';

/** Reorders `sorted` (in priority order) owner by owner within each class; a new array. */
export function interleaveOwners(sorted: readonly QueuedJob[], running: readonly RunningAllocation[]): QueuedJob[] {
  const share = new Map<string | null, number>();
  for (const r of running) {
    if (!r.stopping) share.set(r.owner, (share.get(r.owner) ?? 0) + r.gpus.length);
  }
  const out: QueuedJob[] = [];
  let from = 0;
  while (from < sorted.length) {
    let to = from + 1;
    while (to < sorted.length && sorted[to].priorityClass === sorted[from].priorityClass) to++;
    interleaveClass(sorted, from, to, share, out);
    from = to;
  }
  return out;
}

interface OwnerLine {
  readonly owner: string | null;
  /** GPUs held and placed ahead so far. */
  share: number;
  /** Positions in `sorted`, ascending. */
  readonly positions: number[];
  next: number;
}

function interleaveClass(
  sorted: readonly QueuedJob[], from: number, to: number,
  share: Map<string | null, number>, out: QueuedJob[],
): void {
  const lines = new Map<string | null, OwnerLine>();
  for (let i = from; i < to; i++) {
    const owner = sorted[i].owner;
    let line = lines.get(owner);
    if (!line) lines.set(owner, (line = { owner, share: share.get(owner) ?? 0, positions: [], next: 0 }));
    line.positions.push(i);
  }
  const active = [...lines.values()];
  while (active.length > 0) {
    let best = 0;
    for (let k = 1; k < active.length; k++) {
      const a = active[k];
      const b = active[best];
      if (a.share < b.share || (a.share === b.share && a.positions[a.next] < b.positions[b.next])) best = k;
    }
    const line = active[best];
    const job = sorted[line.positions[line.next++]];
    out.push(job);
    line.share += job.gpus;
    if (line.next === line.positions.length) {
      active.splice(best, 1);
      share.set(line.owner, line.share);
    }
  }
}
