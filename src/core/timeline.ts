/**
 * The timeline: which run held which slot when, per-slot utilisation, and queue depth over a
 * window — the data behind a Gantt chart. Pure. CPU slots are counts, not devices, so CPU
 * runs are given lanes (`cpu-0`, `cpu-1`, …) greedily in start order for drawing.
 */
import type { Job, Run } from './types.ts';

export interface TimelineBar {
  readonly lane: string;
  readonly jobId: number;
  readonly runId: number;
  readonly attempt: number;
  readonly name: string;
  readonly state: Run['state'];
  readonly from: number;
  /** null while the run is alive. */
  readonly to: number | null;
}

export interface Timeline {
  readonly from: number;
  readonly to: number;
  readonly lanes: readonly string[];
  readonly bars: readonly TimelineBar[];
  /** Busy fraction of [from, to] per lane. */
  readonly utilisation: Readonly<Record<string, number>>;
  /** Jobs waiting in the queue, sampled at `samples` evenly spaced times. */
  readonly queueDepth: ReadonlyArray<{ readonly t: number; readonly depth: number }>;
}

export interface TimelineInput {
  readonly from: number;
  readonly to: number;
  readonly gpus: readonly number[];
  readonly cpuSlots: number;
  /** Runs alive at some time in the window. */
  readonly runs: readonly Run[];
  /** Their jobs, and jobs that waited during the window. */
  readonly jobs: ReadonlyMap<number, Job>;
  /** All runs of those jobs (to know when each was waiting). */
  readonly runsByJob: ReadonlyMap<number, readonly Run[]>;
  readonly samples?: number;
}

export function buildTimeline(input: TimelineInput): Timeline {
  const { from, to } = input;
  const lanes = [...input.gpus.map((g) => `gpu-${g}`), ...Array.from({ length: input.cpuSlots }, (_, i) => `cpu-${i}`)];
  const bars: TimelineBar[] = [];
  const cpuFreeAt: number[] = Array.from({ length: input.cpuSlots }, () => -Infinity);
  for (const run of [...input.runs].sort((a, b) => a.startedAt - b.startedAt || a.id - b.id)) {
    const name = input.jobs.get(run.jobId)?.spec.name ?? `job ${run.jobId}`;
    const bar = { jobId: run.jobId, runId: run.id, attempt: run.attempt, name, state: run.state, from: run.startedAt, to: run.endedAt };
    for (const g of run.gpus) bars.push({ ...bar, lane: `gpu-${g}` });
    for (let k = 0; k < run.cpus; k++) {
      let lane = cpuFreeAt.findIndex((t) => t <= run.startedAt);
      if (lane < 0) lane = cpuFreeAt.indexOf(Math.min(...cpuFreeAt));
      if (lane < 0) break; // no CPU lanes configured
      cpuFreeAt[lane] = run.endedAt ?? Infinity;
      bars.push({ ...bar, lane: `cpu-${lane}` });
    }
  }
  const span = Math.max(1, to - from);
  const utilisation: Record<string, number> = Object.fromEntries(lanes.map((l) => [l, 0]));
  for (const bar of bars) {
    const busy = Math.min(to, bar.to ?? to) - Math.max(from, bar.from);
    if (busy > 0 && bar.lane in utilisation) utilisation[bar.lane] += busy / span;
  }
  return { from, to, lanes, bars, utilisation, queueDepth: queueDepth(input) };
}

/** A job waits from submission to its first run, and between a run's end and the next start. */
function queueDepth(input: TimelineInput): Array<{ t: number; depth: number }> {
  const waits: Array<[number, number]> = [];
  for (const job of input.jobs.values()) {
    const runs = [...(input.runsByJob.get(job.id) ?? [])].sort((a, b) => a.attempt - b.attempt);
    let waitingSince: number | null = job.createdAt;
    for (const run of runs) {
      if (waitingSince !== null) waits.push([waitingSince, run.startedAt]);
      waitingSince = run.endedAt !== null && run.outcome?.retryable ? run.endedAt : null;
    }
    if (waitingSince !== null && (job.state === 'queued' || job.state === 'paused')) waits.push([waitingSince, Infinity]);
  }
  const n = input.samples ?? 100;
  return Array.from({ length: n }, (_, i) => {
    const t = input.from + ((input.to - input.from) * i) / Math.max(1, n - 1);
    return { t, depth: waits.filter(([a, b]) => a <= t && t < b).length };
  });
}
