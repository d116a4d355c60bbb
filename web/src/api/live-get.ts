/**
 * `useLiveGet(url, isRelevant)`: a GET kept current on a page that lists what events change:
 * read now, again on each domain event `isRelevant` picks, on a resync and every `refreshMs`.
 * One read of a URL at a time (a large answer takes a while, and events may come meanwhile).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useEvent, useSession } from '../session.tsx';

export function useLiveGet<T>(
  url: string,
  isRelevant: (eventType: string) => boolean,
  refreshMs = 10_000,
): { readonly data: T | null; readonly error: unknown } {
  const { api } = useSession();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const inFlight = useRef<string | null>(null);
  const load = useCallback(() => {
    if (inFlight.current === url) return;
    inFlight.current = url;
    api.get<T>(url).then((d) => {
      setData(d);
      setError(null);
    }, setError).finally(() => {
      if (inFlight.current === url) inFlight.current = null;
    });
  }, [api, url]);
  useEffect(() => {
    load();
    const timer = setInterval(load, refreshMs);
    return () => clearInterval(timer);
  }, [load, refreshMs]);
  useEvent('resync', load, [load]);
  useEvent('domain', (e) => {
    if (isRelevant(e.type)) load();
  }, [load]);
  return { data, error };
}
