/**
 * A typed client of the study routes (`/api/v1/studies`, docs/studies.md), on the same transport
 * as `client.ts` (the same errors: `ApiError`, `ApiConnectionError`).
 */
import type { DryRunView, StudySummary, StudyView, StudyWidenResult, TrialView } from '../core/api/studies.ts';
import type { StudyReportView } from '../core/api/study-report.ts';
import { createTransport, type ClientOptions } from './client.ts';

export type { DryRunView, StudySummary, StudyView, StudyWidenResult, TrialView } from '../core/api/studies.ts';
export type { StudyReportView } from '../core/api/study-report.ts';

export type StudiesClient = ReturnType<typeof createStudiesClient>;

export function createStudiesClient(options: ClientOptions) {
  const { url, json, send } = createTransport(options);
  const path = (name: string) => `/api/v1/studies/${encodeURIComponent(name)}`;
  return {
    url,
    /** Submits a study spec (admin only); `job.cwd` must be absolute. */
    submit: (spec: Record<string, unknown>) => json<StudyView>('POST', '/api/v1/studies', { body: spec }),
    /** Every variant and the rung plan; nothing is stored. */
    dryRun: (spec: Record<string, unknown>) => json<DryRunView>('POST', '/api/v1/studies?dryRun=true', { body: spec }),
    /** Newest first, without trials. */
    list: async () => (await json<{ studies: StudySummary[] }>('GET', '/api/v1/studies')).studies,
    get: (name: string) => json<StudyView>('GET', path(name)),
    pause: (name: string) => json<StudyView>('POST', `${path(name)}/pause`),
    resume: (name: string) => json<StudyView>('POST', `${path(name)}/resume`),
    stop: (name: string) => json<StudyView>('POST', `${path(name)}/stop`),
    /** search: external: launches the next trial with these params (409 when full, capped or not running). */
    ask: (name: string, params: Record<string, unknown>) => json<TrialView>('POST', `${path(name)}/ask`, { body: { params } }),
    trial: (name: string, index: number) => json<TrialView>('GET', `${path(name)}/trials/${index}`),
    /** search: external: `{state: 'pruned', step?, value?}` or `{state: 'failed', reason?}`. */
    tell: (name: string, index: number, body: Record<string, unknown>) => json<TrialView>('POST', `${path(name)}/trials/${index}/tell`, { body }),
    finish: (name: string) => json<StudyView>('POST', `${path(name)}/finish`),
    /** More budget (docs/studies.md, "Widening a study"): a larger `maxRuns`, and/or `resumePaused` for the ASHA-paused trials that rank in now. */
    widen: (name: string, body: { maxRuns?: number; resumePaused?: boolean }) => json<StudyWidenResult>('POST', `${path(name)}/widen`, { body }),
    /** The report (docs/studies.md, "The report"); `metrics` default: the objective. */
    report: (name: string, metrics?: readonly string[]) =>
      json<StudyReportView>('GET', `${path(name)}/report`, { query: { format: 'json', metrics: metrics?.join(',') } }),
    /** The report as CSV or Markdown text. */
    reportText: async (name: string, format: 'csv' | 'md', metrics?: readonly string[]) =>
      (await send('GET', `${path(name)}/report`, { query: { format, metrics: metrics?.join(',') }, accept: format === 'csv' ? 'text/csv' : 'text/markdown' })).text(),
  };
}
