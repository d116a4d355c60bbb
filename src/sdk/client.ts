/**
 * A typed client of Trainyard's HTTP API (docs/http-api.md), on the global `fetch`.
 *
 * Its types are the API's own: each answer's type is inferred from the response schema the
 * route declares (`core/api/`, the same schemas `/openapi.json` is made of), and each body's
 * from the schema the route validates it with (`JobSpecInput` from `core/job-spec.ts`). Nothing
 * here is a hand-copied shape that could drift from the server.
 *
 * Every failed request rejects with an `ApiError` (the server answered with an error) or an
 * `ApiConnectionError` (it could not be reached); never with a string.
 *
 * This file imports nothing internal but types, so the dashboard bundles it without zod.
 */
import type { z } from 'zod';
import { retryAfter } from './retry-after.ts';
import type { CompareResponse } from '../core/api/compare.ts';
import type { ErrorBody } from '../core/api/errors.ts';
import type { EvaluatedCheckpoint } from '../core/api/evaluations.ts';
import type { ApiDomainEvent, EventsPage, LogEvent, MetricsEvent } from '../core/api/events.ts';
import type { Health } from '../core/api/health.ts';
import type { BackupRequest, BackupSummary, Liveness, Readiness } from '../core/api/operations.ts';
import type { ApiJob, Checkpoint, JobDetail, ListedJob } from '../core/api/jobs.ts';
import type { MetricsBatch, MetricWriteAnswer, SeriesInfo, SeriesResponse } from '../core/api/metrics.ts';
import type { CheckpointInput, StatusAnswer, StatusInput } from '../core/api/runs.ts';
import type { TimelineResponse } from '../core/api/timeline.ts';
import type { IssuedSignInCodeAnswer, SignInCodeInput } from '../core/api/session.ts';
import type { ApiTokenInfo, IssuedApiToken, TokenInput, WhoAmI } from '../core/api/tokens.ts';
import type { JobSpecInput, priorityInput } from '../core/job-spec.ts';
import type { JobState } from '../core/types.ts';

export type { CompareJob, CompareResponse } from '../core/api/compare.ts';
export type {
  ApiFormat,
  CheckInput,
  DatasetDetail,
  DatasetRunUse,
  DatasetSummary,
  DatasetVersion,
  ListedFormat,
  RegisteredDataset,
  RegisterDatasetInput,
  ValidateInput,
  ValidationRecord,
  ValidationReport,
} from '../core/api/datasets.ts';
export type { ErrorBody } from '../core/api/errors.ts';
export type { ApiEvaluation, EvaluatedCheckpoint } from '../core/api/evaluations.ts';
export type { ApiDomainEvent, EventsPage, LogEvent, MetricsEvent } from '../core/api/events.ts';
export type { Health } from '../core/api/health.ts';
export type { BackupRequest, BackupSummary, Liveness, Readiness } from '../core/api/operations.ts';
export type { ApiJob, ApiRun, Checkpoint, JobDetail, JobSpec, LatestPoint, ListedJob, Progress, RunOutcome } from '../core/api/jobs.ts';
export type { BucketedSeriesResponse, MetricsBatch, MetricWriteAnswer, SeriesInfo, SeriesPointsResponse, SeriesResponse } from '../core/api/metrics.ts';
export type { CheckpointInput, StatusAnswer, StatusInput } from '../core/api/runs.ts';
export type { TimelineResponse } from '../core/api/timeline.ts';
export type { IssuedSignInCodeAnswer, SessionInfo, SignInCodeInput } from '../core/api/session.ts';
export type { ApiTokenInfo, IssuedApiToken, TokenInput, WhoAmI } from '../core/api/tokens.ts';
export type { JobSpecInput } from '../core/job-spec.ts';
export type { JobState } from '../core/types.ts';

/** A priority as `setPriority` takes it: `high`/`normal`/`low`, a number (within normal), or `{class?, value?}`. */
export type PriorityInput = z.input<typeof priorityInput>;

/** Which jobs `listJobs` returns; every given part must match. */
export interface JobListFilter {
  readonly states?: readonly (JobState | string)[];
  /** Only jobs carrying every one of these tags (a tag with a comma cannot be asked for). */
  readonly tags?: readonly string[];
  /** Only jobs whose name starts with this (case-sensitive). */
  readonly namePrefix?: string;
  /** Default (server side): 100; at most 10,000. */
  readonly limit?: number;
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

/** An event of `GET /api/v1/events` as `openEvents` yields it. Events of other types are skipped. */
export type ApiEvent =
  | { readonly type: 'job'; readonly data: ApiJob }
  | { readonly type: 'log'; readonly data: LogEvent }
  | { readonly type: 'metrics'; readonly data: MetricsEvent }
  | { readonly type: 'checkpoint'; readonly data: Checkpoint };

/** An open event stream: iterate it once; it ends when closed, aborted, or the server ends it. */
export interface EventStream extends AsyncIterable<ApiEvent> {
  close(): void;
}

export interface ClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:7300`. */
  readonly url: string;
  /** A token (`ty_<id>_<secret>`); needed by every `/api/v1` route. */
  readonly token?: string | null;
  /**
   * A request answered 429 (the token's request budget is spent, docs/audit.md) is sent again
   * after the answer's Retry-After, this many times, while each wait is at most
   * `rateLimitMaxWaitMs`; then its ApiError says so. Default: 3 times, 60 s (a budget's window).
   */
  readonly rateLimitRetries?: number;
  readonly rateLimitMaxWaitMs?: number;
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
    super(`cannot reach the Trainyard server${url ? ` at ${url}` : ''}${describeCause(options?.cause)}`, options);
    this.name = 'ApiConnectionError';
  }
}

/** What every request of a client goes through: its base URL, its token, its errors. */
export interface Transport {
  /** The server's base URL, without a trailing slash. */
  readonly url: string;
  /** The response of a request that succeeded (2xx); rejects with ApiError or ApiConnectionError. */
  send(method: string, path: string, init?: SendOptions): Promise<Response>;
  /** A request's JSON answer. */
  json<T>(method: string, path: string, init?: SendOptions): Promise<T>;
}

export interface SendOptions {
  readonly query?: Query;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** Default: application/json. */
  readonly accept?: string;
}

/** The one fetch wrapper of the SDK, the CLI and the dashboard's client. */
export function createTransport(options: ClientOptions & { readonly fetch?: typeof fetch }): Transport {
  const base = options.url.replace(/\/+$/, '');
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const request = options.fetch ?? ((input, init) => fetch(input, init));
  const rateLimitRetries = options.rateLimitRetries ?? 3;
  const rateLimitMaxWaitMs = options.rateLimitMaxWaitMs ?? 60_000;

  async function send(method: string, path: string, init: SendOptions = {}): Promise<Response> {
    const url = base + path + queryString(init.query);
    const headers: Record<string, string> = { ...auth, accept: init.accept ?? 'application/json' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let waitedMs = 0;
    for (let retries = 0; ; retries++) {
      let response: Response;
      try {
        response = await request(url, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body), signal: init.signal });
      } catch (error) {
        if (init.signal?.aborted) throw error;
        throw new ApiConnectionError(base, { cause: error });
      }
      if (response.ok) return response;
      if (response.status !== 429) throw await apiErrorFrom(response);
      // A 429 comes before the request is handled: sending it again is safe.
      const waitMs = retryAfter(response.headers.get('retry-after'), Date.now()) ?? 1000;
      if (retries >= rateLimitRetries || waitMs > rateLimitMaxWaitMs) {
        const error = await apiErrorFrom(response);
        const tried = retries === 0 ? 'not retried' : `retried ${retries} time${retries === 1 ? '' : 's'} over ${Math.round(waitedMs / 1000)} s`;
        throw new ApiError(429, error.code, `${error.message} (${tried}; the server asks to wait ${Math.ceil(waitMs / 1000)} s more)`, error.field);
      }
      await response.body?.cancel().catch(() => {});
      await delay(waitMs, init.signal);
      waitedMs += waitMs;
    }
  }

  async function json<T>(method: string, path: string, init?: SendOptions): Promise<T> {
    const response = await send(method, path, init);
    try {
      return (await response.json()) as T;
    } catch (error) {
      throw new ApiConnectionError(base, { cause: error });
    }
  }

  return { url: base, send, json };
}

export type Client = ReturnType<typeof createClient>;

/** Creates a client of one server. */
export function createClient(options: ClientOptions) {
  const transport = createTransport(options);
  const { send, json } = transport;
  const base = transport.url;

  return {
    /** The server's base URL, without a trailing slash. */
    url: base,

    /** `GET /health` (no token needed). */
    health: () => json<Health>('GET', '/health'),

    /** `GET /openapi.json`: the machine-readable API document. */
    openapi: () => json<Record<string, unknown>>('GET', '/openapi.json'),

    /** Submits a job (`POST /api/v1/jobs`). A refused spec rejects with ApiError 400 naming `field`. */
    submitJob: (spec: JobSpecInput) => json<ApiJob>('POST', '/api/v1/jobs', { body: spec }),

    /** Lists jobs, newest first, each with its latest metric values. Default limit (server side): 100. */
    listJobs: async (filter: JobListFilter = {}) => {
      const query = {
        state: filter.states?.length ? filter.states.join(',') : undefined,
        tag: filter.tags?.length ? filter.tags.join(',') : undefined,
        name: filter.namePrefix || undefined,
        limit: filter.limit,
      };
      return (await json<{ jobs: ListedJob[] }>('GET', '/api/v1/jobs', { query })).jobs;
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
    setPriority: (id: number, priority: PriorityInput) =>
      json<ApiJob>('POST', `/api/v1/jobs/${id}/priority`, { body: { priority } }),
    /** Moves a queued job ahead of the others of its priority. */
    moveToFront: (id: number) => json<ApiJob>('POST', `/api/v1/jobs/${id}/move`, { body: { to: 'front' } }),

    /** Who this client's token is: its role, and for a run token its job and run. */
    whoami: () => json<WhoAmI>('GET', '/api/v1/whoami'),
    /** Makes a one-time dashboard sign-in code (`POST /api/v1/sign-in-codes`); `path` is the link's path. */
    createSignInCode: (input: SignInCodeInput = {}) => json<IssuedSignInCodeAnswer>('POST', '/api/v1/sign-in-codes', { body: input }),
    /**
     * Makes an admin, submit, deploy or read token (admin only), optionally expiring at
     * `options.expiresAt` (epoch ms); the token is in this answer only.
     */
    createToken: (role: TokenInput['role'], name?: string, options: { readonly expiresAt?: number } = {}) =>
      json<IssuedApiToken>('POST', '/api/v1/tokens', { body: { role, ...(name ? { name } : {}), ...(options.expiresAt !== undefined ? { expiresAt: options.expiresAt } : {}) } }),
    /** Admin, submit, deploy and read tokens, oldest first, with expiry and last use, without their secrets (admin only). */
    listTokens: async () => (await json<{ tokens: ApiTokenInfo[] }>('GET', '/api/v1/tokens')).tokens,
    /** Revokes a token by its id (admin only; not the token making the call). */
    revokeToken: async (id: string): Promise<void> => {
      await send('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`);
    },

    /** The job's checkpoints, oldest first (deleted ones included, flagged `deleted`), each with its evaluations. */
    listCheckpoints: async (id: number) => (await json<{ checkpoints: EvaluatedCheckpoint[] }>('GET', `/api/v1/jobs/${id}/checkpoints`)).checkpoints,

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

    /** A page of the durable event log (docs/events.md), oldest first; `lastEventId` is where to read on. */
    listEvents: (filter: { after?: number; types?: readonly ApiDomainEvent['type'][]; job?: number; limit?: number } = {}) =>
      json<EventsPage>('GET', '/api/v1/events', { query: { after: filter.after, types: filter.types?.join(','), job: filter.job, limit: filter.limit } }),

    /** Which run held which slot when, utilisation and queue depth over [from, to] (default: the last hour). */
    timeline: (window: { from?: number; to?: number; samples?: number } = {}) => json<TimelineResponse>('GET', '/api/v1/timeline', { query: window }),

    /** One metric of several jobs, bucketed on shared step columns, with params and best checkpoints. */
    compare: (query: { jobs: readonly number[]; key: string; buckets?: number; from?: number; to?: number; goal?: 'min' | 'max'; bands?: boolean; digits?: number }) =>
      json<CompareResponse>('GET', '/api/v1/compare', { query: { ...query, jobs: query.jobs.join(','), bands: query.bands === undefined ? undefined : String(query.bands) } }),

    /** Reports metrics of a run (`run` token). A resent `batchId` is a no-op: `duplicate: true`. */
    reportMetrics: (runId: number, batch: MetricsBatch) =>
      json<MetricWriteAnswer>('POST', `/api/v1/runs/${runId}/metrics`, { body: batch }),

    /** Registers a checkpoint file of a run; `path` is relative to its checkpoint directory. */
    registerCheckpoint: (runId: number, checkpoint: CheckpointInput) =>
      json<Checkpoint>('POST', `/api/v1/runs/${runId}/checkpoints`, { body: checkpoint }),

    /** Heartbeat and progress of a run; tells whether a stop was requested. */
    reportStatus: (runId: number, status: StatusInput = {}) =>
      json<StatusAnswer>('POST', `/api/v1/runs/${runId}/status`, { body: status }),

    /** `GET /healthz`: the process answers (no token needed). */
    healthz: () => json<Liveness>('GET', '/healthz'),

    /** `GET /readyz` (no token needed): every check when ready; rejects with ApiError 503 `not_ready` naming the failed checks otherwise. */
    readyz: () => json<Readiness>('GET', '/readyz'),

    /** `GET /metrics`: the Prometheus text exposition. */
    prometheusMetrics: async () => (await send('GET', '/metrics', { accept: 'text/plain' })).text(),

    /** Backs up the server's data directory to `dest`, an absolute path on the server's machine (admin). */
    backup: (request: BackupRequest) => json<BackupSummary>('POST', '/api/v1/admin/backup', { body: request }),
  };
}

type Query = Record<string, string | number | undefined>;

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function queryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The ApiError of an error answer: its `{error: {code, message, field?}}`, or its status line. */
export async function apiErrorFrom(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { [K in keyof ErrorBody['error']]?: unknown } };
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
  try {
    // Durable events carry the whole event ({id, type, jobId, runId, at, data}).
    if (message.event === 'checkpoint.registered') return { type: 'checkpoint', data: JSON.parse(message.data).data };
    if (!['job', 'log', 'metrics'].includes(message.event)) return null;
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
