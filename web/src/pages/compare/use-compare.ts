/**
 * The data of the compare view: one `GET /api/v1/compare` for all picked runs (one metric,
 * bucketed on shared columns server-side), re-read when a picked run logs (at most every 2 s)
 * and when the zoom changes.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CompareJob, CompareResponse } from '../../api/http.ts';
import { compareUrl } from '../../api/requests.ts';
import { useEvent, useSession } from '../../session.tsx';

export type { CompareJob, CompareResponse };

const LIVE_REFRESH_MS = 2000;

export function useCompare(ids: readonly number[], key: string, zoom: readonly [number, number] | null, bands: boolean) {
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
      setData(await api.get<CompareResponse>(compareUrl(ids, key, zoom, bands)));
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, [api, idList, key, zoom, bands]); // eslint-disable-line react-hooks/exhaustive-deps

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
