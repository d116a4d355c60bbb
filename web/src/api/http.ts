/**
 * The dashboard's only way to the server: the public HTTP API with a bearer token, the same
 * routes a script would call (docs/http-api.md). Errors reject with `ApiError`.
 */
import type { ApiJob, ApiRun, Checkpoint, JobDetail, SeriesInfo } from '../../../src/sdk/client.ts';
import { takePrefetched } from './prefetch.ts';
import { queryString, type Query } from './query.ts';

export { queryString, type Query };

export type { ApiJob, ApiRun, Checkpoint, JobDetail, SeriesInfo };

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Api {
  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  del(path: string): Promise<void>;
  /** A text body with its response headers (the log route). */
  text(path: string, query?: Query, signal?: AbortSignal): Promise<{ text: string; bytes: number; headers: Headers }>;
  /** An open streaming response (the event stream). */
  stream(path: string, signal: AbortSignal): Promise<Response>;
}

export function createApi(token: string, base = ''): Api {
  const headers = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });

  async function send(method: string, path: string, init: { query?: Query; body?: unknown; signal?: AbortSignal; accept?: string } = {}): Promise<Response> {
    const url = base + path + queryString(init.query);
    // A response the boot prefetch already started for this exact GET (see prefetch.ts).
    const prefetched = method === 'GET' && !init.accept ? await takePrefetched(token, url)?.catch(() => undefined) : undefined;
    const response = prefetched ?? await fetch(url, {
      method,
      headers: headers({
        accept: init.accept ?? 'application/json',
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      }),
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
      cache: 'no-store',
    });
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  return {
    get: async (path, query, signal) => (await send('GET', path, { query, signal })).json(),
    post: async (path, body) => {
      const response = await send('POST', path, { body: body ?? {} });
      return response.status === 204 ? (undefined as never) : response.json();
    },
    del: async (path) => {
      await send('DELETE', path);
    },
    text: async (path, query, signal) => {
      const response = await send('GET', path, { query, signal, accept: 'text/plain' });
      const buffer = new Uint8Array(await response.arrayBuffer());
      return { text: new TextDecoder().decode(buffer), bytes: buffer.byteLength, headers: response.headers };
    },
    stream: (path, signal) => send('GET', path, { signal, accept: 'text/event-stream' }),
  };
}

async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return new ApiError(response.status, body.error.code ?? `http_${response.status}`, body.error.message);
  } catch {
    // not JSON
  }
  return new ApiError(response.status, `http_${response.status}`, text.slice(0, 300) || `${response.status} ${response.statusText}`);
}

/** A job as the list and the event stream send it; newer servers add priority and more. */
export type Job = ApiJob & {
  readonly priority?: { readonly class: string; readonly value: number } | number | null;
};

/** Run records; newer servers add the GPU indices and CPU slots each run held. */
export type Run = ApiRun & { readonly gpus?: readonly number[]; readonly cpus?: number };

export interface WhoAmI {
  readonly role: 'admin' | 'read' | 'run';
  readonly jobId: number | null;
  readonly runId: number | null;
}
