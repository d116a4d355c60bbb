/** Builders for scheduler tests: snapshots with readable defaults. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { schedule, type Plan, type QueuedJob, type RunningAllocation, type Snapshot } from './scheduler.ts';

export const NOW = 1_000_000_000;
export const MINUTE = 60;

/** A queued normal-class job needing one GPU, expected to run 10 minutes, queued at its id. */
export function queued(jobId: number, fields: Partial<QueuedJob> = {}): QueuedJob {
  return {
    jobId, priorityClass: 'normal', priority: 0, queuedAt: jobId, gpus: 1, cpus: 0, notBefore: null,
    expectedSeconds: 10 * MINUTE, owner: null, preemptible: false, ...fields,
  };
}

/** A running normal-class job on `gpus`, started an hour ago, expected to end `endsInMinutes` from now. */
export function running(jobId: number, gpus: number[], endsInMinutes: number | null, fields: Partial<RunningAllocation> = {}): RunningAllocation {
  const startedAt = fields.startedAt ?? NOW - 60 * MINUTE * 1000;
  return {
    jobId, gpus, cpus: 0, priorityClass: 'normal', priority: 0, preemptible: false, startedAt, lastCheckpointAt: null,
    expectedSeconds: endsInMinutes === null ? null : (NOW + endsInMinutes * MINUTE * 1000 - startedAt) / 1000,
    owner: null, stopping: false, ...fields,
  };
}

export function snapshot(gpuCount: number, fields: Partial<Snapshot> = {}): Snapshot {
  return { now: NOW, slots: { gpus: [...Array(gpuCount).keys()], cpuSlots: 0 }, running: [], queue: [], ...fields };
}

/** One table row: a snapshot in, the parts of the plan it must produce. */
export interface PlanCase {
  readonly name: string;
  readonly snapshot: Snapshot;
  /** [jobId, GPU indices] in plan order. */
  readonly start?: ReadonlyArray<readonly [number, readonly number[]]>;
  /** [victim, for job] pairs. */
  readonly preempt?: ReadonlyArray<readonly [number, number]>;
  readonly unschedulable?: Plan['unschedulable'];
}

/** Registers one test per row. `preempt` and `unschedulable` default to "none". */
export function planCases(cases: readonly PlanCase[]): void {
  for (const c of cases) {
    it(c.name, () => {
      const plan = schedule(c.snapshot);
      if (c.start) assert.deepEqual(plan.start.map((p) => [p.jobId, p.gpus]), c.start);
      assert.deepEqual(plan.preempt.map((p) => [p.jobId, p.forJobId]), c.preempt ?? []);
      assert.deepEqual(plan.unschedulable, c.unschedulable ?? []);
    });
  }
}
