/**
 * Readers of the durable event log (core/events.ts) inside the server.
 *
 * - A subscriber (evaluation, registry, deployment, automations) has a name and a cursor in
 *   the store: it is handed every event after its cursor, in id order, and the cursor moves
 *   once its handler resolved. After a crash it resumes from the last acknowledged event, so
 *   delivery is at-least-once and handlers must be idempotent. A handler that throws is retried
 *   with backoff from the event that failed; the events after it wait (order is kept).
 * - A tail (an SSE client) is the same without a stored cursor: it starts after a given id
 *   (Last-Event-ID) and lives as long as its connection.
 *
 * Readers wake when the store commits events (`watchEvents`) and also every `pollMs`, for
 * events that another process appended.
 */
import type { DomainEvent, DomainEventType } from '../core/events.ts';
import type { EventStore } from '../store/store.ts';

export type EventHandler = (event: DomainEvent) => Promise<void> | void;

export interface SubscribeOptions {
  /** Only these event types (the cursor still moves past the others). Default: all. */
  readonly types?: readonly DomainEventType[];
  /**
   * Where a subscriber without a stored cursor starts: `now` (events appended from here on) or
   * `beginning` (the whole log). Default: `now`.
   */
  readonly startAt?: 'now' | 'beginning';
}

export interface TailOptions {
  /** Deliver events with an id above this. */
  readonly after: number;
  readonly types?: readonly DomainEventType[];
  readonly jobId?: number;
}

export interface EventLog {
  /** Adds a durable subscriber; it starts reading at `start()` (or at once when started). */
  subscribe(name: string, handler: EventHandler, options?: SubscribeOptions): void;
  /** The names of the durable subscribers added so far (readiness and `/metrics` read their lag). */
  subscribers(): string[];
  /** Follows the log from `after` without a stored cursor; returns the function that ends it. */
  tail(options: TailOptions, handler: (event: DomainEvent) => void): () => void;
  start(): void;
  /** Stops reading; resolves once handlers in flight settled. */
  close(): Promise<void>;
}

export interface EventLogOptions {
  readonly store: EventStore;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Default: 1,000 ms. */
  readonly pollMs?: number;
  /** Events read per query. Default: 500. */
  readonly pageSize?: number;
  /** First retry of a failing handler; doubles up to 60 s. Default: 1,000 ms. */
  readonly retryMs?: number;
}

interface Reader {
  /** Reads and delivers what is new; resolves when caught up (or stopped). */
  pump(): Promise<void>;
}

export function createEventLog(options: EventLogOptions): EventLog {
  const { store } = options;
  const pageSize = options.pageSize ?? 500;
  const readers = new Set<Reader>();
  const names = new Set<string>();
  const running = new Map<Reader, Promise<void>>();
  const again = new Set<Reader>();
  let started = false;
  let closed = false;
  let unwatch: (() => void) | null = null;
  let timer: NodeJS.Timeout | null = null;

  /** Runs a reader's pump, never two at once; a wake-up during a pump runs it again after. */
  function wake(reader: Reader): void {
    if (closed) return;
    if (running.has(reader)) {
      again.add(reader);
      return;
    }
    const run = reader.pump()
      .catch((error) => options.log(`event log: ${String(error?.stack ?? error)}`))
      .finally(() => {
        running.delete(reader);
        if (again.delete(reader)) wake(reader);
      });
    running.set(reader, run);
  }

  function wakeAll(): void {
    for (const reader of readers) wake(reader);
  }

  function add(reader: Reader): void {
    readers.add(reader);
    if (started) wake(reader);
  }

  return {
    subscribers: () => [...names],

    subscribe(name, handler, subscribeOptions = {}) {
      names.add(name);
      let cursor: number | null = null;
      let retryMs = options.retryMs ?? 1_000;
      let retryTimer: NodeJS.Timeout | null = null;
      const reader: Reader = {
        async pump() {
          if (retryTimer) return;
          if (cursor === null) {
            const stored = await store.getEventCursor(name);
            if (stored === null) {
              cursor = subscribeOptions.startAt === 'beginning' ? 0 : await store.lastEventId();
              await store.ackEvents(name, cursor, options.now());
            } else cursor = stored;
          }
          for (;;) {
            if (closed) return;
            const from: number = cursor;
            // Types are not filtered in SQL, so the cursor can pass over events of other types.
            const page = await store.listEvents({ after: from, limit: pageSize });
            if (page.length === 0) return;
            let handled: number = from;
            try {
              for (const event of page) {
                if (closed) break;
                if (!subscribeOptions.types || subscribeOptions.types.includes(event.type)) await handler(event);
                handled = event.id;
              }
            } catch (error) {
              options.log(`event subscriber ${name}: event ${page.find((e) => e.id > handled)?.id} failed, retrying in ${retryMs} ms: ${String((error as Error)?.message ?? error)}`);
              retryTimer = setTimeout(() => {
                retryTimer = null;
                wake(reader);
              }, retryMs);
              retryTimer.unref();
              retryMs = Math.min(retryMs * 2, 60_000);
              return;
            } finally {
              if (handled > from) {
                cursor = handled;
                await store.ackEvents(name, handled, options.now());
              }
            }
            retryMs = options.retryMs ?? 1_000;
            if (page.length < pageSize) return;
          }
        },
      };
      add(reader);
    },

    tail(tailOptions, handler) {
      let cursor = tailOptions.after;
      let ended = false;
      const reader: Reader = {
        async pump() {
          while (!ended && !closed) {
            const page = await store.listEvents({ after: cursor, types: tailOptions.types, jobId: tailOptions.jobId, limit: pageSize });
            for (const event of page) {
              if (ended) return;
              cursor = event.id;
              handler(event);
            }
            if (page.length < pageSize) return;
          }
        },
      };
      add(reader);
      if (!started) wake(reader);
      return () => {
        ended = true;
        readers.delete(reader);
      };
    },

    start() {
      if (started) return;
      started = true;
      unwatch = store.watchEvents(wakeAll);
      timer = setInterval(wakeAll, options.pollMs ?? 1_000);
      timer.unref();
      wakeAll();
    },

    async close() {
      closed = true;
      unwatch?.();
      if (timer) clearInterval(timer);
      await Promise.all(running.values());
    },
  };
}
