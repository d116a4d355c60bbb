/**
 * The scheduler decides; it never starts anything. A pure function from a read-only snapshot
 * of slots, running runs and the queue to a plan; the dispatcher carries the plan out.
 *
 * Policy (this version): jobs start in queue order (oldest first) when their backoff has
 * passed and their GPUs and CPU slots are free. A job that does not fit is passed over, so a
 * small job may start ahead of a large one; priorities and conservative backfill replace this
 * with the scheduling issue.
 */

export interface SlotInventory {
  /** GPU indices this server may hand out. */
  readonly gpus: readonly number[];
  /** CPU slots this server may hand out. */
  readonly cpuSlots: number;
}

export interface QueuedJob {
  readonly jobId: number;
  readonly gpus: number;
  readonly cpus: number;
  /** Epoch ms before which the job must not start (retry backoff); null for none. */
  readonly notBefore: number | null;
}

export interface RunningAllocation {
  readonly jobId: number;
  readonly gpus: readonly number[];
  readonly cpus: number;
}

export interface Snapshot {
  readonly now: number;
  readonly slots: SlotInventory;
  readonly running: readonly RunningAllocation[];
  /** In queue order. */
  readonly queue: readonly QueuedJob[];
}

export interface Placement {
  readonly jobId: number;
  readonly gpus: readonly number[];
  readonly cpus: number;
}

export interface Plan {
  readonly start: readonly Placement[];
  /** Queued jobs that can never fit on this server's slots, with the reason. */
  readonly unschedulable: ReadonlyArray<{ readonly jobId: number; readonly reason: string }>;
}

export function schedule(snapshot: Snapshot): Plan {
  const busyGpus = new Set(snapshot.running.flatMap((r) => r.gpus));
  const freeGpus = snapshot.slots.gpus.filter((g) => !busyGpus.has(g));
  let freeCpus = snapshot.slots.cpuSlots - snapshot.running.reduce((n, r) => n + r.cpus, 0);
  const start: Placement[] = [];
  const unschedulable: Array<{ jobId: number; reason: string }> = [];

  for (const job of snapshot.queue) {
    if (job.gpus > snapshot.slots.gpus.length || job.cpus > snapshot.slots.cpuSlots) {
      unschedulable.push({ jobId: job.jobId, reason: tooBig(job, snapshot.slots) });
      continue;
    }
    if (job.notBefore !== null && job.notBefore > snapshot.now) continue;
    if (job.gpus > freeGpus.length || job.cpus > freeCpus) continue;
    const gpus = freeGpus.splice(0, job.gpus);
    freeCpus -= job.cpus;
    start.push({ jobId: job.jobId, gpus, cpus: job.cpus });
  }
  return { start, unschedulable };
}

function tooBig(job: QueuedJob, slots: SlotInventory): string {
  if (job.gpus > slots.gpus.length) {
    return `needs ${job.gpus} GPU${job.gpus === 1 ? '' : 's'}, this server has ${slots.gpus.length}`;
  }
  return `needs ${job.cpus} CPU slots, this server has ${slots.cpuSlots}`;
}
