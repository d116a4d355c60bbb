/**
 * The dashboard's only way to the server: the public HTTP API, the same routes a script would
 * call (docs/http-api.md), through the SDK's transport (one fetch wrapper, one `ApiError`) and
 * with the SDK's types, which are the routes' own response schemas. Signed in by the session
 * cookie (session.ts), which the browser sends by itself; every write carries `X-CSRF-Token`.
 */
import { ApiError, createTransport } from '../../../src/sdk/client.ts';
import { takePrefetched } from './prefetch.ts';
import { queryString, type Query } from './query.ts';

export { ApiError, queryString, type Query };

export type {
  ApiFormat,
  ApiTokenInfo as TokenInfo,
  BucketedSeriesResponse,
  Checkpoint,
  CompareJob,
  CompareResponse,
  DatasetDetail,
  DatasetRunUse,
  DatasetSummary,
  DatasetVersion,
  JobDetail,
  ListedJob,
  LogEvent,
  MetricsEvent,
  SeriesInfo,
  SeriesPointsResponse,
  SeriesResponse,
  TimelineResponse,
  ValidationRecord,
  ValidationReport,
  WhoAmI,
  SessionInfo,
} from '../../../src/sdk/client.ts';
export type { ApiJob as Job, ApiRun as Run } from '../../../src/sdk/client.ts';
export type { ArtifactInfo as Artifact } from '../../../src/core/api/artifacts.ts';
export type { ApiDeployment as Deployment, ApiDeployTarget as DeployTarget, ApiDeployTargetDetail as DeployTargetDetail } from '../../../src/core/api/deployments.ts';
export type { ApiEvaluation as Evaluation, Leaderboard, LeaderboardRow, MetricDiff } from '../../../src/core/api/evaluations.ts';
export type { FiringInfo as Firing, RuleInfo as Rule, RuleList } from '../../../src/core/api/automations.ts';
export type { CurriculumDetail, CurriculumInfo, CurriculumMove } from '../../../src/core/api/curricula.ts';
export type { ApiAliasMove as AliasMove, ApiModelAlias as ModelAlias, ApiModelDetail as ModelDetail, ApiModelSummary as ModelSummary, ApiModelVersion as ModelVersion } from '../../../src/core/api/registry.ts';

export interface Api {
  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  del(path: string): Promise<void>;
  /** A text body with its response headers (the log route). */
  text(path: string, query?: Query, signal?: AbortSignal): Promise<{ text: string; bytes: number; headers: Headers }>;
  /** An open streaming response (the event stream). */
  stream(path: string, signal: AbortSignal): Promise<Response>;
  /** A body as a Blob with its content-type (an artifact's content). */
  blob(path: string, signal?: AbortSignal): Promise<Blob>;
}

/** Methods that change nothing: the only ones sent without the CSRF header. */
const SAFE = new Set(['GET', 'HEAD']);

/** `csrfToken` is read at each write: the session's, known once `GET /api/session` answered. */
export function createApi(csrfToken: () => string, base = ''): Api {
  // A JSON GET the boot prefetch already started for this exact URL is taken instead (prefetch.ts).
  const request: typeof fetch = async (input, init) => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    const headers = (init?.headers ?? {}) as Record<string, string>;
    // A prefetch that went out before sign-in (401) is asked again, now with the cookie.
    const taken = method === 'GET' && headers.accept === 'application/json' ? await takePrefetched(url)?.catch(() => undefined) : undefined;
    const prefetched = taken?.status === 401 ? undefined : taken;
    const withCsrf = SAFE.has(method) ? headers : { ...headers, 'x-csrf-token': csrfToken() };
    return prefetched ?? fetch(url, { ...init, headers: withCsrf, cache: 'no-store', credentials: 'same-origin' });
  };
  const { send, json } = createTransport({ url: base, fetch: request });
  // The transport's query drops undefined; the dashboard's also drops null and ''.
  const withQuery = (path: string, query?: Query) => path + queryString(query);

  return {
    get: <T>(path: string, query?: Query, signal?: AbortSignal) => json<T>('GET', withQuery(path, query), { signal }),
    post: async (path, body) => {
      const response = await send('POST', path, { body: body ?? {} });
      return response.status === 204 ? (undefined as never) : response.json();
    },
    del: async (path) => {
      await send('DELETE', path);
    },
    text: async (path, query, signal) => {
      const response = await send('GET', withQuery(path, query), { signal, accept: 'text/plain' });
      const buffer = new Uint8Array(await response.arrayBuffer());
      return { text: new TextDecoder().decode(buffer), bytes: buffer.byteLength, headers: response.headers };
    },
    stream: (path, signal) => send('GET', path, { signal, accept: 'text/event-stream' }),
    blob: async (path, signal) => (await send('GET', path, { signal, accept: '*/*' })).blob(),
  };
}
