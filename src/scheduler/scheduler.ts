/**
 * The scheduler decides; it never starts anything. `schedule()` is a pure function from a
 * read-only snapshot of slots, running allocations and the queue to a plan; the dispatcher
 * (the run manager) carries the plan out. No clock, no I/O: `snapshot.now` is the only time.
 *
 * Terms:
 * - seat: one job's share of one GPU. A GPU has `jobsPerGpu` seats (default 1: never shared).
 * - ready job: queued and past its `notBefore`. Jobs that are not ready wait and hold nothing.
 * - order: class (high > normal > low), then `priority` (higher first), then `queuedAt`
 *   (lower first), then `jobId`; with fair share on, owners are interleaved within a class.
 * - head: the first ready job in order that cannot start now. Only the head may preempt.
 * - reservation: for a waiting job, the earliest time enough slots are free for it (running
 *   jobs end at `startedAt + expectedSeconds`; unknown = never) and which slots those are.
 * - backfill: a job starting ahead of waiting jobs before it in order; allowed only on slots
 *   none of their reservations needs before the job's own (known) end.
 *
 * The pipeline (README.md): snapshot → order → reservations → placements/backfill →
 * preemption → plan. Policies are named in `policies.ts`.
 */
import { runPass } from './pass.ts';
import { resolvePolicy, type PolicyName } from './policies.ts';

export type { PolicyName } from './policies.ts';

export type PriorityClass = 'high' | 'normal' | 'low';

export interface SlotInventory {
  /** GPU indices this server may hand out. */
  readonly gpus: readonly number[];
  /** CPU slots this server may hand out. */
  readonly cpuSlots: number;
  /** Jobs that may share one GPU (each on its own seat). Default: 1, GPUs are never shared. */
  readonly jobsPerGpu?: number;
}

export interface QueuedJob {
  readonly jobId: number;
  readonly priorityClass: PriorityClass;
  /** Finer order within the class, higher first. Default in specs: 0. */
  readonly priority: number;
  /** FIFO key within class and priority, lower first; `move --front` gives a key below all others. */
  readonly queuedAt: number;
  readonly gpus: number;
  readonly cpus: number;
  /** Epoch ms before which the job must not start (retry backoff); null for none. */
  readonly notBefore: number | null;
  /** Seconds: the job's time limit, else an estimate; null = unknown (treated as unbounded). */
  readonly expectedSeconds: number | null;
  /** Fair-share group (user or project); null = none (all such jobs form one group). */
  readonly owner: string | null;
  readonly preemptible: boolean;
}

export interface RunningAllocation {
  readonly jobId: number;
  /** GPU indices it holds; indices outside the inventory are ignored. */
  readonly gpus: readonly number[];
  readonly cpus: number;
  readonly priorityClass: PriorityClass;
  readonly priority: number;
  readonly preemptible: boolean;
  /** Epoch ms this attempt started. */
  readonly startedAt: number;
  /** Epoch ms of this run's last registered checkpoint; null = none (all work since start is lost). */
  readonly lastCheckpointAt: number | null;
  /** Seconds this attempt may run from `startedAt` (limit or estimate); null = unknown. */
  readonly expectedSeconds: number | null;
  readonly owner: string | null;
  /** Already asked to stop, pause or yield: its slots free up soon; never preempted again. */
  readonly stopping: boolean;
}

export interface SchedulerPolicy {
  /** Base policy from the registry in policies.ts. Default: 'priority-backfill'. */
  readonly name?: PolicyName;
  /** Start later jobs in holes that delay no reservation. Default: true. */
  readonly backfill: boolean;
  /** Let the head preempt lower-priority preemptible jobs. Default: true. */
  readonly preemption: boolean;
  /** Interleave owners within a class by running GPU share. Default: false. */
  readonly fairShare: boolean;
}

export interface Snapshot {
  /** Epoch ms; the only clock the scheduler sees. */
  readonly now: number;
  readonly slots: SlotInventory;
  readonly running: readonly RunningAllocation[];
  /** Any order: the scheduler orders it. */
  readonly queue: readonly QueuedJob[];
  /** Overrides of the named policy's switches. Default: the 'priority-backfill' policy. */
  readonly policy?: Partial<SchedulerPolicy>;
}

export interface Placement {
  readonly jobId: number;
  /** Concrete GPU indices (CUDA_VISIBLE_DEVICES), ascending. */
  readonly gpus: readonly number[];
  readonly cpus: number;
}

export interface Preemption {
  readonly jobId: number;
  /** The waiting job it makes room for. */
  readonly forJobId: number;
  /** GPU-seconds of work since its last checkpoint (since its start when it has none). */
  readonly lostGpuSeconds: number;
}

export interface Plan {
  /**
   * In decision order (jobs that need no slot first). Placements never share a seat with each
   * other or with a running job.
   */
  readonly start: readonly Placement[];
  /** Running jobs to checkpoint and exit; nothing in `start` uses their slots. */
  readonly preempt: readonly Preemption[];
  /** Queued jobs that can never fit on this server's slots, with the reason; by job id. */
  readonly unschedulable: ReadonlyArray<{ readonly jobId: number; readonly reason: string }>;
}

/** One scheduling pass with the policy the snapshot names (default 'priority-backfill'). */
export function schedule(snapshot: Snapshot): Plan {
  return runPass(snapshot, resolvePolicy(snapshot.policy));
}
