/** The in-process event bus behind the SSE stream. Events are small and already JSON-ready. */
import { EventEmitter } from 'node:events';

export type ServerEvent =
  | { readonly type: 'job'; readonly jobId: number; readonly data: unknown }
  | { readonly type: 'log'; readonly jobId: number; readonly data: { jobId: number; runId: number; offset: number; text: string } }
  | { readonly type: 'metrics'; readonly jobId: number; readonly data: { jobId: number; runId: number; latest: Record<string, { step: number; value: number }> } }
  | { readonly type: 'checkpoint'; readonly jobId: number; readonly data: unknown };

export interface EventBus {
  publish(event: ServerEvent): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: (event: ServerEvent) => void): () => void;
}

export function createEventBus(): EventBus {
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
