/**
 * A signed-in session: the API client (cookie plus the session's CSRF token), the shared event
 * stream, what the server can do (OpenAPI) and the session's role. Pages read it with
 * `useSession()`.
 */
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { capabilitiesFrom, type Capabilities } from './api/capabilities.ts';
import { createEventHub, type EventHub, type EventMap } from './api/events.ts';
import { ApiError, createApi, type Api, type WhoAmI } from './api/http.ts';
import { takePrefetched } from './api/prefetch.ts';
import { endSession, readSession } from './api/session.ts';

export interface SessionValue {
  readonly api: Api;
  readonly hub: EventHub;
  readonly caps: Capabilities;
  readonly who: WhoAmI;
  /** Admin sessions may act; read sessions see no action buttons. */
  readonly canWrite: boolean;
  /** Ends the session on the server, then shows the sign-in page. */
  signOut(): Promise<void>;
}

/** How long views wait for the event stream before loading without it. Default: 1.5 s. */
const STREAM_WAIT_MS = 1500;
/** How long a hidden tab keeps its event stream. Default: 10 s. */
const HIDDEN_RELEASE_MS = 10_000;

const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SessionProvider>');
  return session;
}

/** Subscribes to one event type for the life of the component. */
export function useEvent<K extends keyof EventMap>(type: K, listener: (data: EventMap[K]) => void, deps: unknown[]): void {
  const { hub } = useSession();
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => hub.on(type, listener), [hub, type, ...deps]);
}

export function SessionProvider({ onSignOut, children }: { onSignOut: (reason?: string) => void; children: ReactNode }) {
  const [session, setSession] = useState<SessionValue | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let csrfToken = '';
    const api = createApi(() => csrfToken);
    // The stream opens first, beside the session's check, so views load after it and miss no
    // event in between (a reconnect later emits `resync`). Signed out, it is closed again.
    const hub = createEventHub(api);
    let cancelled = false;
    Promise.all([readSession(), (takePrefetched('/openapi.json') ?? fetch('/openapi.json')).then((r) => r.json()).catch(() => null)])
      .then(async ([info, doc]) => {
        if (cancelled) return;
        if (!info) {
          hub.close();
          return onSignOut();
        }
        csrfToken = info.csrfToken;
        await hub.ready(STREAM_WAIT_MS);
        if (cancelled) return;
        const who: WhoAmI = { role: info.role, jobId: null, runId: null };
        const signOut = async () => {
          await endSession(info.csrfToken).catch(() => {});
          onSignOut();
        };
        setSession({ api, hub, caps: capabilitiesFrom(doc), who, canWrite: info.role === 'admin', signOut });
      })
      .catch((e: unknown) => {
        if (cancelled) return;
        if (e instanceof ApiError && e.status === 401) onSignOut('This session has ended: sign in again.');
        else setError(e instanceof Error ? e.message : String(e));
      });
    return () => {
      cancelled = true;
      hub.close();
    };
  }, [onSignOut]);

  // A tab in the background lets its event stream go after a while (browsers allow ~6
  // connections per server); coming back reconnects, and views resync.
  useEffect(() => {
    if (!session) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onVisibility = () => {
      clearTimeout(timer);
      if (document.visibilityState === 'hidden') timer = setTimeout(() => session.hub.setActive(false), HIDDEN_RELEASE_MS);
      else session.hub.setActive(true);
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [session]);

  if (error) return <div className="page-message">Cannot reach the Trainyard server: {error}</div>;
  if (!session) return <div className="page-message muted">Connecting…</div>;
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
