/**
 * Watches one job through the server's event stream, with two safety nets: the job is read
 * once the stream is open (nothing between submit and subscribe is missed) and again after
 * every `pollMs` of silence; a lost connection is retried for up to `giveUpMs`.
 */
import { ApiConnectionError, type ApiEvent, type ApiJob, type Client, type EventStream } from '../sdk/client.ts';

export interface WatchHandlers {
  /** A fresh view of the job (from an event or a read). Return true to stop watching. */
  onJob(job: ApiJob): boolean | void;
  /** Any other event of the job. Return true to stop watching. */
  onEvent?(event: ApiEvent): boolean | void;
  /** The connection broke; the watch retries. */
  onConnectionLost?(error: ApiConnectionError): void;
  /** The stream is (again) open, before the job is read. */
  onOpen?(): void | Promise<void>;
}

export interface WatchOptions {
  readonly signal: AbortSignal;
  /** Read the job after this long without events. Default: 5000 ms (the server pings every 15 s). */
  readonly pollMs?: number;
  /** Give up after the server has been unreachable this long. Default: 60 000 ms. */
  readonly giveUpMs?: number;
}

/** Resolves `ended` when a handler asked to stop, `aborted` when `signal` fired. */
export async function watchJob(client: Client, jobId: number, handlers: WatchHandlers, options: WatchOptions): Promise<'ended' | 'aborted'> {
  const { signal, pollMs = 5000, giveUpMs = 60_000 } = options;
  let lostSince: number | null = null;
  while (!signal.aborted) {
    let stream: EventStream | null = null;
    try {
      stream = await client.openEvents({ job: jobId, signal });
      lostSince = null;
      await handlers.onOpen?.();
      if (handlers.onJob(await client.getJob(jobId))) return 'ended';
      const iterator = stream[Symbol.asyncIterator]();
      let pending: Promise<IteratorResult<ApiEvent>> | null = null;
      for (;;) {
        if (!pending) {
          pending = iterator.next();
          pending.catch(() => undefined);
        }
        const result = await raceTimeout(pending, pollMs);
        if (result === TIMEOUT) {
          if (handlers.onJob(await client.getJob(jobId))) return 'ended';
          continue;
        }
        pending = null;
        if (result.done) break;
        const event = result.value;
        if (event.type === 'job') {
          if (event.data.id === jobId && handlers.onJob(event.data)) return 'ended';
        } else if (event.data.jobId === jobId && handlers.onEvent?.(event)) return 'ended';
      }
    } catch (error) {
      if (signal.aborted) break;
      if (!(error instanceof ApiConnectionError)) throw error;
      lostSince ??= Date.now();
      if (Date.now() - lostSince > giveUpMs) throw error;
      handlers.onConnectionLost?.(error);
      await sleep(1000, signal);
    } finally {
      stream?.close();
    }
  }
  return 'aborted';
}

const TIMEOUT = Symbol('timeout');

function raceTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Waits `ms`, or less when `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** An AbortController that Ctrl-C aborts while it is installed; `dispose` removes the handler. */
export function interruptController(onInterrupt: (handler: () => void) => () => void) {
  const controller = new AbortController();
  let interrupted = false;
  const dispose = onInterrupt(() => {
    interrupted = true;
    controller.abort();
  });
  return {
    signal: controller.signal,
    interrupted: () => interrupted,
    dispose,
  };
}
