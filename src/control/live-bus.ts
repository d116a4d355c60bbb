/**
 * The in-process bus of live events: fresh views of a job (its progress moved), log lines and
 * the latest metric values. They are not durable: the data they carry is in the store already
 * (job rows, log files, metric chunks), and a client that missed some refetches it. Durable
 * domain events (a state changed, a checkpoint registered) go through the event log instead
 * (event-log.ts); the SSE stream serves both.
 */
import { EventEmitter } from 'node:events';

export type LiveEvent =
  | { readonly type: 'job'; readonly jobId: number; readonly data: unknown }
  | { readonly type: 'log'; readonly jobId: number; readonly data: { jobId: number; runId: number; offset: number; text: string } }
  | { readonly type: 'metrics'; readonly jobId: number; readonly data: { jobId: number; runId: number; latest: Record<string, { step: number; value: number }> } };

export type LiveEventType = LiveEvent['type'];

export const LIVE_EVENT_TYPES: readonly LiveEventType[] = ['job', 'log', 'metrics'];

export interface LiveBus {
  publish(event: LiveEvent): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: (event: LiveEvent) => void): () => void;
}

export function createLiveBus(): LiveBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish: (event) => emitter.emit('event', event),
    subscribe(listener) {
      emitter.on('event', listener);
      return () => emitter.off('event', listener);
    },
  };
}
