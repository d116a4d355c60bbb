/**
 * The timeline's geometry: runs laid on slot lanes (GPU i, CPU j) or job lanes, each lane's
 * utilisation over a window, and the queue depth over time. Pure.
 *
 * Runs that carry the GPU indices they held go on those lanes. Otherwise (CPU slots, older
 * servers) a run takes the lowest-numbered lanes of its kind free when it started: the same
 * packing the scheduler does, so the picture matches the real slots as long as both count alike.
 */

export interface RunSpan {
  readonly jobId: number;
  readonly name: string;
  readonly runId: number;
  readonly attempt: number;
  readonly state: string;
  readonly start: number;
  /** null while running. */
  readonly end: number | null;
  /** GPU indices the run held, when the server recorded them. */
  readonly gpuIds?: readonly number[] | null;
  readonly gpus: number;
  readonly cpus: number;
}

export interface Bar {
  readonly lane: string;
  readonly run: RunSpan;
  readonly start: number;
  readonly end: number;
}

export interface GanttLayout {
  readonly lanes: string[];
  readonly bars: Bar[];
}

export function layoutBySlot(runs: readonly RunSpan[], now: number): GanttLayout {
  const sorted = [...runs].sort((a, b) => a.start - b.start || a.runId - b.runId);
  const busyUntil = { GPU: [] as number[], CPU: [] as number[] };
  const bars: Bar[] = [];
  const place = (kind: 'GPU' | 'CPU', count: number, run: RunSpan, end: number) => {
    const lanes = busyUntil[kind];
    const chosen: number[] = [];
    for (let i = 0; chosen.length < count; i++) {
      if (i >= lanes.length) lanes.push(-Infinity);
      if (lanes[i] <= run.start) chosen.push(i);
    }
    for (const i of chosen) {
      lanes[i] = end;
      bars.push({ lane: `${kind} ${i}`, run, start: run.start, end });
    }
  };
  for (const run of sorted) {
    const end = run.end ?? now;
    if (run.gpuIds && run.gpuIds.length > 0) {
      for (const g of run.gpuIds) {
        while (busyUntil.GPU.length <= g) busyUntil.GPU.push(-Infinity);
        busyUntil.GPU[g] = Math.max(busyUntil.GPU[g], end);
        bars.push({ lane: `GPU ${g}`, run, start: run.start, end });
      }
    } else if (run.gpus > 0) {
      place('GPU', run.gpus, run, end);
    }
    if (run.cpus > 0) place('CPU', run.cpus, run, end);
    if (run.gpus <= 0 && run.cpus <= 0 && !(run.gpuIds && run.gpuIds.length)) place('CPU', 1, run, end);
  }
  const lanes = [
    ...busyUntil.GPU.map((_, i) => `GPU ${i}`),
    ...busyUntil.CPU.map((_, i) => `CPU ${i}`),
  ];
  return { lanes, bars };
}

export function layoutByJob(runs: readonly RunSpan[], now: number): GanttLayout {
  const lanes: string[] = [];
  const laneOf = new Map<number, string>();
  const sorted = [...runs].sort((a, b) => a.start - b.start || a.runId - b.runId);
  for (const run of sorted) {
    if (!laneOf.has(run.jobId)) {
      const lane = `#${run.jobId} ${run.name}`;
      laneOf.set(run.jobId, lane);
      lanes.push(lane);
    }
  }
  return { lanes, bars: sorted.map((run) => ({ lane: laneOf.get(run.jobId)!, run, start: run.start, end: run.end ?? now })) };
}

/** Busy fraction (0-1) of each lane over [from, to]; overlapping bars on a lane count once. */
export function utilisation(layout: GanttLayout, from: number, to: number): Map<string, number> {
  const out = new Map<string, number>();
  const span = to - from;
  for (const lane of layout.lanes) {
    const intervals = layout.bars
      .filter((b) => b.lane === lane)
      .map((b) => [Math.max(from, b.start), Math.min(to, b.end)] as const)
      .filter(([s, e]) => e > s)
      .sort((a, b) => a[0] - b[0]);
    let busy = 0;
    let coveredTo = -Infinity;
    for (const [s, e] of intervals) {
      const start = Math.max(s, coveredTo);
      if (e > start) busy += e - start;
      coveredTo = Math.max(coveredTo, e);
    }
    out.set(lane, span > 0 ? busy / span : 0);
  }
  return out;
}

export interface QueuedJob {
  readonly createdAt: number;
  readonly state: string;
  /** The job's runs, oldest first. */
  readonly runs: readonly { readonly start: number; readonly end: number | null }[];
}

/**
 * Jobs waiting over time, as a step function: `times[i]` is when the depth became `depths[i]`.
 * A job waits from its submission to its first run, and between a run's end and the next run
 * (retries, resumes); a job still queued or paused waits until `now`.
 */
export function queueDepth(jobs: readonly QueuedJob[], now: number): { times: number[]; depths: number[] } {
  const changes: Array<[number, number]> = [];
  const waiting = (start: number, end: number) => {
    if (end > start) changes.push([start, 1], [end, -1]);
  };
  for (const job of jobs) {
    let since: number | null = job.createdAt;
    for (const run of job.runs) {
      if (since !== null) waiting(since, run.start);
      since = run.end;
    }
    const stillWaiting = job.state === 'queued' || job.state === 'paused';
    if (since !== null && stillWaiting) waiting(since, now);
  }
  changes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const times: number[] = [];
  const depths: number[] = [];
  let depth = 0;
  for (const [t, d] of changes) {
    depth += d;
    if (times.length > 0 && times[times.length - 1] === t) depths[depths.length - 1] = depth;
    else {
      times.push(t);
      depths.push(depth);
    }
  }
  return { times, depths };
}
