/**
 * One shared connection to `GET /api/v1/events` for the whole page, read with fetch streaming
 * (EventSource cannot send an Authorization header) and parsed by the SDK's SSE parser.
 * Reconnects with backoff; after a reconnect it emits `resync` so views refetch what they may
 * have missed while disconnected.
 */
import { createSseParser } from '../../../src/sdk/client.ts';
import type { Api, Checkpoint, Job, LogEvent, MetricsEvent } from './http.ts';

export interface EventMap {
  job: Job;
  /** `offset` is the byte offset just after `text` in the run's log. */
  log: LogEvent;
  metrics: MetricsEvent;
  checkpoint: Checkpoint;
  /** A durable event of the registry, evaluations, deployments or automations (`model.*`, `evaluation.*`, `deploy_target.*`, `deployment.*`, `automation.*`, `artifact.*`). */
  domain: DomainEventLike;
  /** The stream (re)connected: anything may have been missed. */
  resync: null;
}

/** A durable event as the stream sends it (core/api/events.ts); `data` as its type says. */
export interface DomainEventLike {
  readonly id: number;
  readonly type: string;
  readonly jobId: number | null;
  readonly data: Readonly<Record<string, unknown>>;
}

/** Durable event types the hub passes on as `domain`, by prefix. */
const DOMAIN_PREFIXES = ['model.', 'evaluation.', 'deploy_target.', 'deployment.', 'automation.', 'artifact.'];

export type ConnectionState = 'connecting' | 'open' | 'retrying';

type Listener<K extends keyof EventMap> = (data: EventMap[K]) => void;

export interface EventHub {
  on<K extends keyof EventMap>(type: K, listener: Listener<K>): () => void;
  onState(listener: (state: ConnectionState) => void): () => void;
  readonly state: ConnectionState;
  /**
   * Holds the connection only while active. A browser allows about six connections per server
   * over HTTP/1.1, so tabs in the background let theirs go (see session.tsx); reactivating
   * reconnects and emits `resync`.
   */
  setActive(active: boolean): void;
  /** Resolves when the stream first opens, or after `timeoutMs` (views then load regardless). */
  ready(timeoutMs: number): Promise<void>;
  close(): void;
}

const BACKOFF_MS = [500, 1000, 2000, 5000, 10_000];

export function createEventHub(api: Api): EventHub {
  const listeners = new Map<string, Set<(data: unknown) => void>>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  const closed = new AbortController();
  let connection: AbortController | null = null;
  let active = true;
  let wake: (() => void) | null = null;
  let state: ConnectionState = 'connecting';
  let failures = 0;
  let opened: () => void = () => {};
  const firstOpen = new Promise<void>((resolve) => (opened = resolve));

  const emit = (type: string, data: unknown) => {
    for (const listener of listeners.get(type) ?? []) {
      try {
        listener(data);
      } catch (error) {
        console.error(`event listener for ${type} failed`, error);
      }
    }
  };
  const setState = (next: ConnectionState) => {
    state = next;
    for (const listener of stateListeners) listener(next);
  };

  async function connectOnce(signal: AbortSignal): Promise<void> {
    const response = await api.stream('/api/v1/events', signal);
    failures = 0;
    setState('open');
    opened();
    emit('resync', null);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const parser = createSseParser();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      for (const message of parser.push(decoder.decode(value, { stream: true }))) {
        const durable = message.event === 'checkpoint.registered';
        const domain = DOMAIN_PREFIXES.some((p) => message.event.startsWith(p));
        if (!durable && !domain && !['job', 'log', 'metrics'].includes(message.event)) continue;
        let data: unknown;
        try {
          data = JSON.parse(message.data);
        } catch {
          continue;
        }
        // A durable event carries the whole event; its data is the checkpoint.
        if (durable) emit('checkpoint', (data as { data: unknown }).data);
        else if (domain) emit('domain', data);
        else emit(message.event, data);
      }
    }
  }

  /** Resolves after `ms`, or at once when the hub is woken (reactivated) or closed. */
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });

  (async () => {
    while (!closed.signal.aborted) {
      if (!active) {
        setState('retrying');
        await sleep(1 << 30);
        continue;
      }
      connection = new AbortController();
      try {
        await connectOnce(connection.signal);
      } catch {
        // dropped, refused or let go: retry below
      }
      connection = null;
      if (closed.signal.aborted) return;
      if (!active) continue;
      setState('retrying');
      await sleep(BACKOFF_MS[Math.min(failures++, BACKOFF_MS.length - 1)]);
    }
  })();

  return {
    on(type, listener) {
      const set = listeners.get(type) ?? new Set();
      listeners.set(type, set);
      set.add(listener as (data: unknown) => void);
      return () => set.delete(listener as (data: unknown) => void);
    },
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    get state() {
      return state;
    },
    setActive(next) {
      if (next === active) return;
      active = next;
      if (!active) connection?.abort();
      else wake?.();
    },
    ready: (timeoutMs) => Promise.race([firstOpen, new Promise<void>((resolve) => setTimeout(resolve, timeoutMs))]),
    close() {
      closed.abort();
      connection?.abort();
      wake?.();
    },
  };
}
