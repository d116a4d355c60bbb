/**
 * The job list, kept live: one `GET /api/v1/jobs` (each job with its latest metric values),
 * then `job` events replace rows and `metrics` events update each job's latest values.
 */
import { useCallback, useEffect, useState } from 'react';
import type { Job, ListedJob } from '../../api/http.ts';
import { jobListUrl } from '../../api/requests.ts';
import { useEvent, useSession } from '../../session.tsx';

export type Latest = Readonly<Record<string, { step: number; value: number | null }>>;

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
      const { jobs: list } = await api.get<{ jobs: ListedJob[] }>(jobListUrl());
      setJobs(list);
      // A server older than the list's `latest` sends none: keep what events brought.
      setLatest((m) => new Map(list.map((j) => [j.id, j.latest ?? m.get(j.id) ?? {}])));
      setLoaded(true);
      setError(null);
    } catch (e) {
      setError(e);
      setLoaded(true);
    }
  }, [api]);

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
