/**
 * The first request each view makes, in one place: the view uses it, and the boot prefetch
 * (prefetch.ts) starts the same request before the app's code has loaded.
 */
import { goalFor } from '../lib/params-diff.ts';
import { queryString } from './query.ts';

/** Jobs the jobs page lists. Default: the newest 2,000. */
export const JOB_LIST_LIMIT = 2000;
/** Shared columns per compare request: about one per pixel of a wide chart. */
export const COMPARE_BUCKETS = 1000;
/** Bands on by default up to this many runs: past it they blur together and triple the answer. */
export const BANDS_UP_TO = 10;

export const jobListUrl = () => `/api/v1/jobs${queryString({ limit: JOB_LIST_LIMIT })}`;

/** Files per page of the inbox page. */
export const INBOX_PAGE = 50;

/** The inbox page's listing: the first `pages` pages, of one state or all. */
export const inboxUrl = (state: string | null, pages = 1) => `/api/v1/inbox${queryString({ state: state ?? undefined, limit: INBOX_PAGE * pages })}`;

/** The Automations page's rules and the rules file's state. */
export const RULES_URL = '/api/v1/rules';

/** Firings read per rule: the last one in the table, all of them under a picked rule. */
export const RECENT_FIRINGS = 20;

/** One rule's recent firings, newest first. */
export const firingsUrl = (rule: string) => `/api/v1/rules/${encodeURIComponent(rule)}/firings${queryString({ limit: RECENT_FIRINGS })}`;

/** The Curriculum page's list of curricula. */
export const CURRICULA_URL = '/api/v1/curricula';

/** One curriculum with its level history and current window. */
export const curriculumUrl = (name: string) => `/api/v1/curricula/${encodeURIComponent(name)}`;

export const studyUrl = (name: string) => `/api/v1/studies/${encodeURIComponent(name)}`;

/** A study's report; `metrics` comma-separated (empty: the objective). */
export const studyReportUrl = (name: string, metrics: string) => `${studyUrl(name)}/report${metrics ? `?metrics=${encodeURIComponent(metrics)}` : ''}`;

export function compareUrl(ids: readonly number[], key: string, zoom: readonly [number, number] | null, bands: boolean): string {
  return `/api/v1/compare${queryString({
    jobs: ids.join(','), key, buckets: COMPARE_BUCKETS, goal: goalFor(key), bands: String(bands),
    from: zoom ? Math.floor(zoom[0]) : undefined, to: zoom ? Math.ceil(zoom[1]) : undefined,
  })}`;
}

/** `/compare?jobs=3,4&key=acc` → the ids and key. */
export function compareParams(query: URLSearchParams): { ids: number[]; key: string } {
  const ids = (query.get('jobs') ?? '').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  return { ids, key: query.get('key') ?? 'loss' };
}

/** What a first load of `path?search` will ask for, besides whoami and the OpenAPI document. */
export function firstRequests(path: string, search: string): string[] {
  if (path === '/' || path === '/jobs') return [jobListUrl()];
  const job = /^\/jobs\/(\d+)$/.exec(path);
  if (job) return [`/api/v1/jobs/${job[1]}`, `/api/v1/jobs/${job[1]}/metrics`];
  if (path === '/models') return ['/api/v1/models'];
  if (path === '/inbox') return [inboxUrl(null)];
  if (path === '/automations') return [RULES_URL];
  if (path === '/curriculum') return [CURRICULA_URL];
  const curriculum = /^\/curriculum\/([^/]+)$/.exec(path);
  if (curriculum) return [curriculumUrl(decodeURIComponent(curriculum[1]))];
  if (path === '/studies') return ['/api/v1/studies'];
  const study = /^\/studies\/([^/]+)$/.exec(path);
  if (study) return [studyUrl(decodeURIComponent(study[1])), studyReportUrl(decodeURIComponent(study[1]), new URLSearchParams(search).get('metrics') ?? '')];
  const model = /^\/models\/([^/]+)$/.exec(path);
  if (model) return [`/api/v1/models/${encodeURIComponent(decodeURIComponent(model[1]))}`];
  if (path === '/compare') {
    const { ids, key } = compareParams(new URLSearchParams(search));
    return ids.length > 0 ? [compareUrl(ids, key, null, ids.length <= BANDS_UP_TO)] : [];
  }
  return [];
}
