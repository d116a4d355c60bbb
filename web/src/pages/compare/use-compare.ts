/**
 * The data of the compare view: one `GET /api/v1/compare` for all picked runs (one metric,
 * bucketed on shared columns server-side), re-read when a picked run logs (at most every 2 s)
 * and when the zoom changes.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Checkpoint } from '../../api/http.ts';
import { goalFor } from '../../lib/params-diff.ts';
import { useEvent, useSession } from '../../session.tsx';

export interface CompareJob {
  readonly id: number;
  readonly name: string;
  readonly state: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly tags: readonly string[];
  readonly keys: readonly string[];
  readonly found: boolean;
  readonly min: (number | null)[];
  readonly max: (number | null)[];
  readonly last: (number | null)[];
  readonly best: Checkpoint | null;
}

export interface CompareResponse {
  readonly key: string;
  readonly from: number | null;
  readonly to: number | null;
  readonly goal: 'min' | 'max';
  readonly steps: number[];
  readonly jobs: CompareJob[];
}

/** Shared columns per request: about one per pixel of a wide chart. */
export const COMPARE_BUCKETS = 1000;
const LIVE_REFRESH_MS = 2000;

export function useCompare(ids: readonly number[], key: string, zoom: readonly [number, number] | null) {
  const { api } = useSession();
  const [data, setData] = useState<CompareResponse | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const dirty = useRef(false);
  const idList = ids.join(',');

  const load = useCallback(async () => {
    if (!idList) {
      setData(null);
      return;
    }
    setLoading(true);
    try {
      const query = { jobs: idList, key, buckets: COMPARE_BUCKETS, goal: goalFor(key), from: zoom ? Math.floor(zoom[0]) : undefined, to: zoom ? Math.ceil(zoom[1]) : undefined };
      setData(await api.get<CompareResponse>('/api/v1/compare', query));
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, [api, idList, key, zoom]);

  useEffect(() => void load(), [load]);
  useEvent('metrics', (event) => {
    if (ids.includes(event.jobId)) dirty.current = true;
  }, [idList]);
  useEvent('resync', () => void load(), [load]);
  useEffect(() => {
    const timer = setInterval(() => {
      if (!dirty.current) return;
      dirty.current = false;
      void load();
    }, LIVE_REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  return { data, error, loading };
}
