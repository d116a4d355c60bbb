/**
 * A discrete-event simulator of one server's GPUs, in simulated time, that replays a trace
 * through the real scheduler: after every batch of simultaneous events (arrivals, ends, exits
 * of preempted jobs) it takes a snapshot, calls `schedule()`, and carries out the plan the way
 * the run manager does. Pure: no clock, no I/O; the same trace gives the same result.
 *
 * Model: a job runs for its true duration (less the work saved by earlier attempts) and
 * declares its time limit as `expectedSeconds`. A preempted job keeps its GPUs for
 * `stopGraceSeconds`, then exits; it keeps the work up to its last checkpoint and loses the
 * rest (it does not checkpoint on SIGTERM: the worst case), and is queued again with its
 * original `queuedAt`.
 */
import { TrainyardError } from '../core/errors.ts';
import { EventQueue } from './event-queue.ts';
import { resolvePolicy, type PolicyName } from './policies.ts';
import { schedule, type PriorityClass, type QueuedJob, type RunningAllocation, type SchedulerPolicy } from './scheduler.ts';
import type { TraceJob } from './synthetic-trace.ts';

export interface SimulationOptions {
  readonly gpus: number;
  /** Default: the 'priority-backfill' policy. */
  readonly policy?: Partial<SchedulerPolicy>;
  /** Seconds a preempted job holds its GPUs before it exits. Default: 30. */
  readonly stopGraceSeconds?: number;
}

export interface WaitFigures {
  readonly jobs: number;
  /** Seconds from submission to first start. */
  readonly p50Seconds: number;
  readonly p95Seconds: number;
}

export interface SimulationResult {
  readonly policy: PolicyName;
  readonly gpus: number;
  readonly jobs: number;
  /** From the first submission (time 0) to the last end. */
  readonly makespanSeconds: number;
  /**
   * No schedule can end sooner: the largest of total GPU-time ÷ GPUs, the longest job, and, for
   * every arrival time t, t + (GPU-time of the jobs submitted at t or later) ÷ GPUs (which
   * covers the last arrival plus its duration).
   */
  readonly lowerBoundSeconds: number;
  /** GPU-seconds of work the jobs needed (lost work not counted). */
  readonly usefulGpuSeconds: number;
  /** usefulGpuSeconds ÷ (GPUs × makespan). */
  readonly utilisation: number;
  /** The utilisation a schedule ending at the lower bound would have. */
  readonly boundUtilisation: number;
  /**
   * Busy GPU share over the time some job was waiting: how well the policy fills the machine
   * when there is work, without the drain at the end (lost work counts as busy).
   */
  readonly utilisationWhileWaiting: number;
  readonly medianDurationSeconds: number;
  readonly waits: Readonly<Record<PriorityClass, WaitFigures>>;
  readonly preemptions: number;
  /** Work lost to preemption: since the last checkpoint, plus the grace period. */
  readonly lostGpuHours: number;
  /** Scheduling passes run. */
  readonly passes: number;
  /** Per job, in trace order: when it first started and when it ended (simulated ms). */
  readonly outcomes: ReadonlyArray<{ readonly jobId: number; readonly firstStartAt: number; readonly endAt: number }>;
}

/** The simulation met a plan the run manager could not carry out, or jobs that never ran. */
export class SimulationError extends TrainyardError {
  override readonly code = 'simulation_failed';
}

interface SimJob {
  readonly trace: TraceJob;
  state: 'future' | 'waiting' | 'running' | 'stopping' | 'done';
  /** Seconds of work kept from earlier attempts. */
  saved: number;
  attempt: number;
  startedAt: number;
  gpus: readonly number[];
  firstStartAt: number | null;
  endAt: number | null;
  queued: QueuedJob | null;
}

export function simulate(trace: readonly TraceJob[], options: SimulationOptions): SimulationResult {
  const policy = { ...options.policy, name: resolvePolicy(options.policy).name };
  const grace = (options.stopGraceSeconds ?? 30) * 1000;
  const slots = { gpus: [...Array(options.gpus).keys()], cpuSlots: 0 };
  const holder = new Array<number>(options.gpus).fill(0);
  const jobs = new Map(trace.map((t) => [t.id, { trace: t, state: 'future', saved: 0, attempt: 0, startedAt: 0, gpus: [], firstStartAt: null, endAt: null, queued: null } as SimJob]));
  const waiting = new Map<number, SimJob>();
  const active = new Map<number, SimJob>();
  const events = new EventQueue();
  for (const t of trace) events.push({ at: t.submitAt, kind: 'arrive', jobId: t.id, attempt: 0 });
  let passes = 0;
  let preemptions = 0;
  let lostGpuSeconds = 0;
  let busyGpus = 0;
  let lastAt = 0;
  let waitingSeconds = 0;
  let busyWhileWaiting = 0;

  const enqueue = (job: SimJob): void => {
    const t = job.trace;
    job.state = 'waiting';
    job.queued = {
      jobId: t.id, priorityClass: t.priorityClass, priority: 0, queuedAt: t.submitAt, gpus: t.gpus, cpus: 0, notBefore: null,
      expectedSeconds: t.expectedSeconds - job.saved, owner: t.owner, preemptible: t.preemptible,
    };
    waiting.set(t.id, job);
  };
  const release = (job: SimJob): void => {
    for (const g of job.gpus) holder[g] = 0;
    busyGpus -= job.gpus.length;
    active.delete(job.trace.id);
  };

  while (events.size > 0) {
    const now = events.peekTime();
    if (waiting.size > 0) {
      waitingSeconds += (now - lastAt) / 1000;
      busyWhileWaiting += busyGpus * (now - lastAt) / 1000;
    }
    lastAt = now;
    while (events.peekTime() === now) {
      const event = events.pop()!;
      const job = jobs.get(event.jobId)!;
      if (event.kind === 'arrive') enqueue(job);
      else if (event.attempt !== job.attempt) continue;
      else if (event.kind === 'finish' && (job.state === 'running' || job.state === 'stopping')) {
        release(job);
        job.state = 'done';
        job.endAt = now;
      } else if (event.kind === 'exit' && job.state === 'stopping') {
        const ran = (now - job.startedAt) / 1000;
        const every = job.trace.checkpointEverySeconds;
        const kept = every === null ? 0 : Math.floor(ran / every) * every;
        lostGpuSeconds += job.trace.gpus * (ran - kept);
        job.saved += kept;
        release(job);
        enqueue(job);
      }
    }
    if (waiting.size === 0) continue;
    passes++;
    const plan = schedule({ now, slots, running: [...active.values()].map((j) => allocation(j, now)), queue: [...waiting.values()].map((j) => j.queued!), policy });
    for (const { jobId, gpus } of plan.start) {
      const job = jobs.get(jobId)!;
      if (job.state !== 'waiting' || gpus.length !== job.trace.gpus || gpus.some((g) => holder[g] !== 0)) {
        throw new SimulationError(`at ${now} the plan starts job ${jobId} on [${gpus}], which the simulator cannot do`);
      }
      for (const g of gpus) holder[g] = jobId;
      busyGpus += gpus.length;
      waiting.delete(jobId);
      active.set(jobId, job);
      Object.assign(job, { state: 'running', attempt: job.attempt + 1, startedAt: now, gpus, firstStartAt: job.firstStartAt ?? now });
      events.push({ at: now + (job.trace.durationSeconds - job.saved) * 1000, kind: 'finish', jobId, attempt: job.attempt });
    }
    for (const { jobId } of plan.preempt) {
      const job = jobs.get(jobId)!;
      if (job.state !== 'running') throw new SimulationError(`at ${now} the plan preempts job ${jobId}, which is ${job.state}`);
      job.state = 'stopping';
      preemptions++;
      events.push({ at: now + grace, kind: 'exit', jobId, attempt: job.attempt });
    }
    if (plan.unschedulable.length > 0) throw new SimulationError(`job ${plan.unschedulable[0].jobId}: ${plan.unschedulable[0].reason}`);
  }
  if (waiting.size > 0) throw new SimulationError(`${waiting.size} jobs never started`);
  const utilisationWhileWaiting = waitingSeconds === 0 ? 1 : busyWhileWaiting / (options.gpus * waitingSeconds);
  return summarise(trace, [...jobs.values()], options.gpus, { policy: policy.name, passes, preemptions, lostGpuSeconds, utilisationWhileWaiting });
}

function allocation(job: SimJob, now: number): RunningAllocation {
  const t = job.trace;
  const every = t.checkpointEverySeconds;
  const checkpoints = every === null ? 0 : Math.floor((now - job.startedAt) / 1000 / every);
  return {
    jobId: t.id, gpus: job.gpus, cpus: 0, priorityClass: t.priorityClass, priority: 0, preemptible: t.preemptible,
    startedAt: job.startedAt, lastCheckpointAt: checkpoints > 0 ? job.startedAt + checkpoints * every! * 1000 : null,
    expectedSeconds: t.expectedSeconds - job.saved, owner: t.owner, stopping: job.state === 'stopping',
  };
}

function summarise(
  trace: readonly TraceJob[], jobs: readonly SimJob[], gpus: number,
  run: { policy: PolicyName; passes: number; preemptions: number; lostGpuSeconds: number; utilisationWhileWaiting: number },
): SimulationResult {
  const useful = trace.reduce((n, t) => n + t.gpus * t.durationSeconds, 0);
  const makespan = Math.max(...jobs.map((j) => j.endAt ?? 0)) / 1000;
  const lowerBound = lowerBoundSeconds(trace, gpus);
  const waitsOf = (c: PriorityClass): WaitFigures => {
    const w = jobs.filter((j) => j.trace.priorityClass === c).map((j) => (j.firstStartAt! - j.trace.submitAt) / 1000);
    return { jobs: w.length, p50Seconds: percentile(w, 0.5), p95Seconds: percentile(w, 0.95) };
  };
  return {
    policy: run.policy, gpus, jobs: trace.length, makespanSeconds: makespan, lowerBoundSeconds: lowerBound,
    usefulGpuSeconds: useful, utilisation: useful / (gpus * makespan), boundUtilisation: useful / (gpus * lowerBound),
    utilisationWhileWaiting: run.utilisationWhileWaiting,
    medianDurationSeconds: percentile(trace.map((t) => t.durationSeconds), 0.5),
    waits: { high: waitsOf('high'), normal: waitsOf('normal'), low: waitsOf('low') },
    preemptions: run.preemptions, lostGpuHours: run.lostGpuSeconds / 3600, passes: run.passes,
    outcomes: jobs.map((j) => ({ jobId: j.trace.id, firstStartAt: j.firstStartAt!, endAt: j.endAt! })),
  };
}

/**
 * The makespan no schedule on `gpus` GPUs can beat (seconds from time 0): work cannot run before
 * it arrives, so for every arrival time t the work submitted at t or later needs t + its
 * GPU-time ÷ GPUs (t = 0 gives total GPU-time ÷ GPUs); and no job ends before its submission
 * plus its duration.
 */
export function lowerBoundSeconds(trace: readonly TraceJob[], gpus: number): number {
  const byArrival = [...trace].sort((a, b) => a.submitAt - b.submitAt);
  let bound = 0;
  let later = 0;
  for (let i = byArrival.length - 1; i >= 0; i--) {
    const t = byArrival[i];
    later += t.gpus * t.durationSeconds;
    bound = Math.max(bound, t.submitAt / 1000 + later / gpus, t.submitAt / 1000 + t.durationSeconds);
  }
  return bound;
}

/** Nearest-rank percentile; 0 for no values. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
