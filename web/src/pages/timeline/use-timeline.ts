/**
 * The timeline's data over a window: from `GET /api/v1/timeline` when the server has it
 * (slots as the scheduler assigned them), else derived from the jobs' runs through the public
 * job routes (slots packed the way the scheduler packs them; see lib/gantt.ts).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Job, JobDetail, TimelineResponse } from '../../api/http.ts';
import { layoutBySlot, queueDepth, utilisation, type RunSpan } from '../../lib/gantt.ts';
import { useEvent, useSession } from '../../session.tsx';

export interface TimelineBar {
  readonly lane: string;
  readonly jobId: number;
  readonly runId: number;
  readonly attempt: number;
  readonly name: string;
  readonly state: string;
  readonly start: number;
  /** null while running. */
  readonly end: number | null;
}

export interface TimelineModel {
  readonly from: number;
  readonly to: number;
  readonly lanes: readonly string[];
  readonly bars: readonly TimelineBar[];
  readonly utilisation: Readonly<Record<string, number>>;
  readonly queue: ReadonlyArray<{ readonly t: number; readonly depth: number }>;
  readonly source: 'api' | 'derived';
}

/** Jobs read one by one when deriving: the newest this many that overlap the window. */
const DERIVE_MAX_JOBS = 200;
const SAMPLES = 200;

export function useTimeline(windowMs: number) {
  const { api, caps } = useSession();
  const [model, setModel] = useState<TimelineModel | null>(null);
  const [error, setError] = useState<unknown>(null);
  const dirty = useRef(false);

  const load = useCallback(async () => {
    const to = Date.now();
    const from = to - windowMs;
    try {
      setModel(caps.timeline ? await fromApi(api.get<TimelineResponse>('/api/v1/timeline', { from, to, samples: SAMPLES })) : await derive(from, to));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [api, caps.timeline, windowMs]); // eslint-disable-line react-hooks/exhaustive-deps

  async function derive(from: number, to: number): Promise<TimelineModel> {
    const { jobs } = await api.get<{ jobs: Job[] }>('/api/v1/jobs', { limit: 2000 });
    const relevant = jobs.filter((j) => (j.startedAt !== null && j.startedAt <= to && (j.endedAt ?? to) >= from) || j.state === 'queued' || j.state === 'paused').slice(0, DERIVE_MAX_JOBS);
    const details: JobDetail[] = [];
    const queue = [...relevant];
    const worker = async () => {
      for (let j = queue.shift(); j; j = queue.shift()) details.push(await api.get<JobDetail>(`/api/v1/jobs/${j.id}`));
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    const spans: RunSpan[] = details.flatMap((d) => d.runs.map((r) => {
      const held = r as typeof r & { gpus?: number[]; cpus?: number };
      return {
        jobId: d.id, name: d.name, runId: r.id, attempt: r.attempt, state: r.state, start: r.startedAt, end: r.endedAt,
        gpuIds: held.gpus ?? null, gpus: held.gpus?.length ?? d.spec.resources.gpus, cpus: held.cpus ?? d.spec.resources.cpus,
      };
    }));
    const layout = layoutBySlot(spans.filter((s) => s.start <= to && (s.end ?? to) >= from), to);
    const depth = queueDepth(details.map((d) => ({ createdAt: d.createdAt, state: d.state, runs: d.runs.map((r) => ({ start: r.startedAt, end: r.endedAt })) })), to);
    return {
      from, to, lanes: layout.lanes, source: 'derived',
      bars: layout.bars.map((b) => ({ lane: b.lane, jobId: b.run.jobId, runId: b.run.runId, attempt: b.run.attempt, name: b.run.name, state: b.run.state, start: b.start, end: b.run.end })),
      utilisation: Object.fromEntries(utilisation(layout, from, to)),
      queue: sampleSteps(depth, from, to, SAMPLES),
    };
  }

  useEffect(() => void load(), [load]);
  useEvent('job', () => void (dirty.current = true), []);
  useEffect(() => {
    const timer = setInterval(() => {
      if (!dirty.current && !model?.bars.some((b) => b.end === null)) return;
      dirty.current = false;
      void load();
    }, 3000);
    return () => clearInterval(timer);
  }, [load, model]);

  return { model, error, reload: load };
}

async function fromApi(pending: Promise<TimelineResponse>): Promise<TimelineModel> {
  const t = await pending;
  return {
    from: t.from, to: t.to, lanes: t.lanes, utilisation: t.utilisation, queue: t.queueDepth, source: 'api',
    bars: t.bars.map((b) => ({ lane: b.lane, jobId: b.jobId, runId: b.runId, attempt: b.attempt, name: b.name, state: b.state, start: b.from, end: b.to })),
  };
}

/** A step function sampled at `n` evenly spaced times. */
function sampleSteps(f: { times: number[]; depths: number[] }, from: number, to: number, n: number): Array<{ t: number; depth: number }> {
  let k = -1;
  return Array.from({ length: n }, (_, i) => {
    const t = from + ((to - from) * i) / (n - 1);
    while (k + 1 < f.times.length && f.times[k + 1] <= t) k++;
    return { t, depth: k >= 0 ? f.depths[k] : 0 };
  });
}
