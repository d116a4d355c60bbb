/**
 * A typed client of Trainyard's HTTP API (docs/http-api.md), on the global `fetch`.
 *
 * Every failed request rejects with an `ApiError` (the server answered with an error) or an
 * `ApiConnectionError` (it could not be reached); never with a string.
 *
 * This file imports nothing internal but types, so it can be copied into any TypeScript project.
 */
import type { Checkpoint, Job, JobState, Run, SeriesInfo } from '../core/types.ts';

export type { Checkpoint, JobSpec, JobState, Progress, RunOutcome, SeriesInfo } from '../core/types.ts';

/** A job as the API returns it: the stored job plus its name at the top level. */
export type ApiJob = Job & { readonly name: string };

/** A run as the API returns it. */
export type ApiRun = Pick<
  Run,
  'id' | 'jobId' | 'attempt' | 'state' | 'startedAt' | 'endedAt' | 'pid' | 'exitCode' | 'signal' | 'outcome' | 'resumedFrom' | 'resumeStep'
>;

/** The latest point of one metric. `value` is null for NaN. */
export interface LatestPoint {
  readonly step: number;
  readonly value: number | null;
}

/** `GET /api/v1/jobs/:id`: the job, its runs (oldest first) and the latest point of each metric. */
export type JobDetail = ApiJob & {
  readonly runs: readonly ApiRun[];
  readonly latest: Readonly<Record<string, LatestPoint>>;
};

/** The job spec a client submits; the server fills in the defaults (see the API document). */
export interface JobSpecInput {
  name?: string;
  /** argv, or one shell script string with `shell: true`. */
  command: string[] | string;
  shell?: boolean;
  /** Absolute working directory. */
  cwd: string;
  env?: Record<string, string | number | boolean>;
  params?: Record<string, unknown>;
  resources?: { gpus?: number; cpus?: number };
  maxRetries?: number;
  keepCheckpoints?: number;
  stopGraceSeconds?: number;
  tags?: string[];
}

/** Raw points of one series; `values` holds null for NaN. */
export interface SeriesPointsResponse {
  readonly key: string;
  readonly bucketed?: false;
  readonly steps: number[];
  readonly values: (number | null)[];
  readonly times: number[];
}

/** One entry per bucket, when the range held more points than were asked for. */
export interface BucketedSeriesResponse {
  readonly key: string;
  readonly bucketed: true;
  readonly steps: number[];
  readonly min: (number | null)[];
  readonly max: (number | null)[];
  readonly last: (number | null)[];
  readonly count: number[];
}

export type SeriesResponse = SeriesPointsResponse | BucketedSeriesResponse;

/** `GET /api/v1/whoami`. */
export interface WhoAmI {
  readonly role: 'admin' | 'read' | 'run';
  readonly jobId: number | null;
  readonly runId: number | null;
}

/** A token as listed: never its secret. */
export interface ApiTokenInfo {
  readonly id: string;
  readonly role: 'admin' | 'read';
  readonly name: string | null;
  readonly createdAt: number;
}

/** A token just made: `token` is the secret, shown this once. */
export interface IssuedApiToken {
  readonly id: string;
  readonly token: string;
  readonly role: 'admin' | 'read';
  readonly name: string | null;
}

/** A slice of a run's log. */
export interface LogChunk {
  /** The raw bytes; a multi-byte character may be split at either end. */
  readonly bytes: Uint8Array;
  readonly text: string;
  /** Byte offset after these bytes: pass it as `offset` to read on. */
  readonly offset: number;
  /** The run's state (`X-Run-State`), null when the server did not say. */
  readonly runState: string | null;
}

export interface LogEvent {
  readonly jobId: number;
  readonly runId: number;
  readonly offset: number;
  readonly text: string;
}

export interface MetricsEvent {
  readonly jobId: number;
  readonly runId: number;
  readonly latest: Readonly<Record<string, LatestPoint>>;
}

/** An event of `GET /api/v1/events`. Events of other types are skipped. */
export type ApiEvent =
  | { readonly type: 'job'; readonly data: ApiJob }
  | { readonly type: 'log'; readonly data: LogEvent }
  | { readonly type: 'metrics'; readonly data: MetricsEvent }
  | { readonly type: 'checkpoint'; readonly data: Checkpoint };

/** An open event stream: iterate it once; it ends when closed, aborted, or the server ends it. */
export interface EventStream extends AsyncIterable<ApiEvent> {
  close(): void;
}

export interface MetricsBatch {
  batchId: string;
  series?: Record<string, { steps: number[]; values: (number | null | string)[]; times?: number[] }>;
  rows?: { step: number; time?: number; metrics: Record<string, number | null | string> }[];
}

export interface ClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:7300`. */
  readonly url: string;
  /** A token (`ty_<id>_<secret>`); needed by every `/api/v1` route. */
  readonly token?: string | null;
}

/** The server answered with an error status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The offending input field as a dotted path ("resources.gpus"), when the server named one. */
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The server could not be reached (refused, reset, DNS, aborted mid-body). */
export class ApiConnectionError extends Error {
  constructor(readonly url: string, options?: { cause?: unknown }) {
    super(`cannot reach the Trainyard server at ${url}${describeCause(options?.cause)}`, options);
    this.name = 'ApiConnectionError';
  }
}

export type Client = ReturnType<typeof createClient>;

/** Creates a client of one server. */
export function createClient(options: ClientOptions) {
  const base = options.url.replace(/\/+$/, '');
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};

  async function send(method: string, path: string, init: { query?: Query; body?: unknown; signal?: AbortSignal; accept?: string } = {}): Promise<Response> {
    const url = base + path + queryString(init.query);
    const headers: Record<string, string> = { ...auth, accept: init.accept ?? 'application/json' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body), signal: init.signal });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new ApiConnectionError(base, { cause: error });
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  async function json<T>(method: string, path: string, init?: { query?: Query; body?: unknown }): Promise<T> {
    const response = await send(method, path, init);
    try {
      return (await response.json()) as T;
    } catch (error) {
      throw new ApiConnectionError(base, { cause: error });
    }
  }

  return {
    /** The server's base URL, without a trailing slash. */
    url: base,

    /** `GET /health` (no token needed). */
    health: () => json<{ ok: boolean; version: string }>('GET', '/health'),

    /** `GET /openapi.json`: the machine-readable API document. */
    openapi: () => json<Record<string, unknown>>('GET', '/openapi.json'),

    /** Submits a job (`POST /api/v1/jobs`). A refused spec rejects with ApiError 400 naming `field`. */
    submitJob: (spec: JobSpecInput) => json<ApiJob>('POST', '/api/v1/jobs', { body: spec }),

    /** Lists jobs, newest first. Default limit (server side): 100. */
    listJobs: async (filter: { states?: readonly (JobState | string)[]; limit?: number } = {}) => {
      const query = { state: filter.states?.length ? filter.states.join(',') : undefined, limit: filter.limit };
      return (await json<{ jobs: ApiJob[] }>('GET', '/api/v1/jobs', { query })).jobs;
    },

    /** One job with its runs and the latest point of each metric. */
    getJob: (id: number) => json<JobDetail>('GET', `/api/v1/jobs/${id}`),

    /** Asks a job to stop: `stopping`, or `stopped` at once when it was queued. */
    stopJob: (id: number) => json<ApiJob>('POST', `/api/v1/jobs/${id}/stop`),
    /** Asks a job to checkpoint and exit, freeing its slots (`pausing`, then `paused`); holds a queued one. */
    pauseJob: (id: number) => json<ApiJob>('POST', `/api/v1/jobs/${id}/pause`),
    /** Queues a paused job again; it resumes from its latest checkpoint. */
    resumeJob: (id: number) => json<ApiJob>('POST', `/api/v1/jobs/${id}/resume`),
    /** Sets a job's priority: `high`/`normal`/`low`, a number (within normal), or `{class, value}`. */
    setPriority: (id: number, priority: string | number | { class: string; value: number }) =>
      json<ApiJob>('POST', `/api/v1/jobs/${id}/priority`, { body: { priority } }),
    /** Moves a queued job ahead of the others of its priority. */
    moveToFront: (id: number) => json<ApiJob>('POST', `/api/v1/jobs/${id}/move`, { body: { to: 'front' } }),

    /** Who this client's token is: its role, and for a run token its job and run. */
    whoami: () => json<WhoAmI>('GET', '/api/v1/whoami'),
    /** Makes a read-only or admin token (admin only); the token is in this answer only. */
    createToken: (role: 'read' | 'admin', name?: string) =>
      json<IssuedApiToken>('POST', '/api/v1/tokens', { body: name ? { role, name } : { role } }),
    /** Admin and read tokens, oldest first, without their secrets (admin only). */
    listTokens: async () => (await json<{ tokens: ApiTokenInfo[] }>('GET', '/api/v1/tokens')).tokens,
    /** Revokes a token by its id (admin only; not the token making the call). */
    revokeToken: async (id: string): Promise<void> => {
      await send('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`);
    },

    /** The job's checkpoints, oldest first (deleted ones included, flagged `deleted`). */
    listCheckpoints: async (id: number) => (await json<{ checkpoints: Checkpoint[] }>('GET', `/api/v1/jobs/${id}/checkpoints`)).checkpoints,

    /** A summary of each metric series of the job. */
    listSeries: async (id: number) => (await json<{ series: SeriesInfo[] }>('GET', `/api/v1/jobs/${id}/metrics`)).series,

    /**
     * Points of one series between steps `from` and `to` (inclusive); bucketed when the range
     * holds more than `buckets` points (server default: 1000).
     */
    getSeries: (id: number, key: string, range: { from?: number; to?: number; buckets?: number } = {}) =>
      json<SeriesResponse>('GET', `/api/v1/jobs/${id}/metrics/${encodeURIComponent(key)}`, { query: range }),

    /** Reads a run's log from byte `offset` (default 0) of `attempt` (default: the latest). */
    readLog: async (id: number, at: { attempt?: number; offset?: number } = {}): Promise<LogChunk> => {
      const response = await send('GET', `/api/v1/jobs/${id}/log`, { query: at, accept: 'text/plain' });
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await response.arrayBuffer());
      } catch (error) {
        throw new ApiConnectionError(base, { cause: error });
      }
      const header = response.headers.get('x-log-offset');
      return {
        bytes,
        text: new TextDecoder().decode(bytes),
        offset: header === null ? (at.offset ?? 0) + bytes.byteLength : Number(header),
        runState: response.headers.get('x-run-state'),
      };
    },

    /**
     * Opens `GET /api/v1/events` (of one job when `job` is given). Resolves once the server has
     * answered, so events that happen after that are not missed; rejects like any request.
     * Aborting `signal` (or `close()`) ends the iteration quietly.
     */
    openEvents: async (filter: { job?: number; signal?: AbortSignal } = {}): Promise<EventStream> => {
      const controller = new AbortController();
      const onAbort = () => controller.abort();
      if (filter.signal?.aborted) controller.abort();
      filter.signal?.addEventListener('abort', onAbort, { once: true });
      let response: Response;
      try {
        response = await send('GET', '/api/v1/events', { query: { job: filter.job }, signal: controller.signal, accept: 'text/event-stream' });
      } catch (error) {
        filter.signal?.removeEventListener('abort', onAbort);
        throw error;
      }
      const body = response.body;
      return {
        close: () => controller.abort(),
        async *[Symbol.asyncIterator]() {
          if (!body) return;
          const parser = createSseParser();
          const decoder = new TextDecoder();
          const reader = body.getReader();
          try {
            for (;;) {
              const { done, value } = await reader.read();
              if (done) return;
              for (const message of parser.push(decoder.decode(value, { stream: true }))) {
                const event = toApiEvent(message);
                if (event) yield event;
              }
            }
          } catch (error) {
            if (controller.signal.aborted) return;
            throw new ApiConnectionError(base, { cause: error });
          } finally {
            filter.signal?.removeEventListener('abort', onAbort);
            controller.abort();
            reader.releaseLock();
          }
        },
      };
    },

    /** Reports metrics of a run (`run` token). A resent `batchId` is a no-op: `duplicate: true`. */
    reportMetrics: (runId: number, batch: MetricsBatch) =>
      json<{ accepted: number; duplicate: boolean }>('POST', `/api/v1/runs/${runId}/metrics`, { body: batch }),

    /** Registers a checkpoint file of a run; `path` is relative to its checkpoint directory. */
    registerCheckpoint: (runId: number, checkpoint: { path: string; step: number; metrics?: Record<string, number> }) =>
      json<Checkpoint>('POST', `/api/v1/runs/${runId}/checkpoints`, { body: checkpoint }),

    /** Heartbeat and progress of a run; tells whether a stop was requested. */
    reportStatus: (runId: number, status: { total?: number; message?: string } = {}) =>
      json<{ stopRequested: boolean }>('POST', `/api/v1/runs/${runId}/status`, { body: status }),
  };
}

type Query = Record<string, string | number | undefined>;

function queryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; field?: unknown } };
    const e = body.error;
    if (e && typeof e.message === 'string') {
      return new ApiError(response.status, typeof e.code === 'string' ? e.code : `http_${response.status}`, e.message, typeof e.field === 'string' ? e.field : null);
    }
  } catch {
    // Not JSON: fall through to the status line.
  }
  const message = text.trim().slice(0, 500) || `${response.status} ${response.statusText}`;
  return new ApiError(response.status, `http_${response.status}`, message);
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return '';
  const inner = (cause as { cause?: unknown }).cause;
  const code = inner instanceof Error ? ((inner as { code?: string }).code ?? inner.message) : undefined;
  return `: ${code ?? cause.message}`;
}

function toApiEvent(message: SseMessage): ApiEvent | null {
  if (!['job', 'log', 'metrics', 'checkpoint'].includes(message.event)) return null;
  try {
    return { type: message.event, data: JSON.parse(message.data) } as ApiEvent;
  } catch {
    return null;
  }
}

/** One dispatched server-sent event. `event` defaults to `message`. */
export interface SseMessage {
  readonly event: string;
  readonly data: string;
}

/**
 * An incremental parser of `text/event-stream`: push decoded text in any chunking, get the
 * completed events back. Comment lines (`: ping`), `id:` and `retry:` are ignored.
 */
export function createSseParser() {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  /** The last chunk ended in \r: a \n starting the next one belongs to it. */
  let skipLf = false;
  return {
    push(text: string): SseMessage[] {
      if (skipLf && text.startsWith('\n')) text = text.slice(1);
      skipLf = false;
      buffer += text;
      const out: SseMessage[] = [];
      for (;;) {
        const match = /\r\n|\r|\n/.exec(buffer);
        if (!match) break;
        const line = buffer.slice(0, match.index);
        buffer = buffer.slice(match.index + match[0].length);
        if (match[0] === '\r' && buffer === '') skipLf = true;
        if (line === '') {
          if (data.length > 0) out.push({ event: event || 'message', data: data.join('\n') });
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      return out;
    },
  };
}
