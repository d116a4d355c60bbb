/**
 * The job list, kept live: one `GET /api/v1/jobs`, then `job` events replace rows and
 * `metrics` events update each job's latest values. The list route carries no metric values,
 * so the latest ones of running jobs (and the newest few others) are read from each job once.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Job, JobDetail } from '../../api/http.ts';
import { jobListUrl } from '../../api/requests.ts';
import { useEvent, useSession } from '../../session.tsx';

export type Latest = Readonly<Record<string, { step: number; value: number | null }>>;

/** Jobs whose latest values are read at load besides the running ones. */
const DETAIL_RECENT = 10;
const LIVE = new Set(['running', 'stopping', 'pausing']);

export interface JobsState {
  readonly jobs: readonly Job[];
  readonly latest: ReadonlyMap<number, Latest>;
  readonly loaded: boolean;
  readonly error: unknown;
  upsert(job: Job): void;
}

export function useJobs(): JobsState {
  const { api } = useSession();
  const [jobs, setJobs] = useState<readonly Job[]>([]);
  const [latest, setLatest] = useState<ReadonlyMap<number, Latest>>(new Map());
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const asked = useRef(new Set<number>());

  const upsert = useCallback((job: Job) => {
    setJobs((list) => {
      const i = list.findIndex((j) => j.id === job.id);
      if (i === -1) return [job, ...list];
      const next = list.slice();
      next[i] = job;
      return next;
    });
  }, []);

  const load = useCallback(async () => {
    try {
      const { jobs: list } = await api.get<{ jobs: Job[] }>(jobListUrl());
      setJobs(list);
      setLoaded(true);
      setError(null);
      const wanted = [...list.filter((j) => LIVE.has(j.state)), ...list.slice(0, DETAIL_RECENT)]
        .map((j) => j.id)
        .filter((id) => !asked.current.has(id));
      await readLatest(wanted);
    } catch (e) {
      setError(e);
      setLoaded(true);
    }
  }, [api]);

  async function readLatest(ids: number[]) {
    const queue = [...new Set(ids)];
    ids.forEach((id) => asked.current.add(id));
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          const detail = await api.get<JobDetail>(`/api/v1/jobs/${id}`);
          setLatest((m) => new Map(m).set(id!, { ...detail.latest, ...m.get(id!) }));
        } catch {
          // gone meanwhile
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  }

  useEffect(() => {
    void load();
  }, [load]);

  useEvent('job', upsert, [upsert]);
  useEvent('resync', () => void load(), [load]);
  useEvent('metrics', (event) => {
    setLatest((m) => new Map(m).set(event.jobId, { ...m.get(event.jobId), ...event.latest }));
  }, []);

  return { jobs, latest, loaded, error, upsert };
}

/** The job's loss, or the first metric whose name says loss; null when it has none. */
export function lossOf(latest: Latest | undefined): { key: string; value: number | null } | null {
  if (!latest) return null;
  const key = 'loss' in latest ? 'loss' : Object.keys(latest).find((k) => /loss/i.test(k));
  return key ? { key, value: latest[key].value } : null;
}
