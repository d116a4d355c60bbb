/**
 * The suggest interface of a study with `search: external` (docs/studies.md, "Adaptive search
 * with Optuna"): a searcher asks for a trial with its params, reads the trial (its objective's
 * latest point) to prune or learn, tells a prune, and finishes the study. Ask, tell and finish
 * launch or stop jobs: admin; reading a trial: a read token.
 */
import { AUTH, BODY, errorResponses } from '../../core/api/errors.ts';
import { studyNameParams, studyViewSchema, trialViewSchema } from '../../core/api/studies.ts';
import { askBodySchema, tellBodySchema, trialParams } from '../../core/api/study-suggest.ts';
import type { App, AppDeps } from '../app.ts';

export function registerStudySuggestRoutes(app: App, deps: AppDeps): void {
  const studies = deps.studies;
  if (!studies) return;
  const admin = () => ({ kind: 'admin' }) as const;
  const read = () => ({ kind: 'read' }) as const;

  app.post('/api/v1/studies/:name/ask', {
    config: { access: admin },
    schema: {
      summary: 'search: external: launch the next trial with the searcher\'s params (one transaction: the trial and its job)',
      params: studyNameParams,
      body: askBodySchema,
      response: { 200: trialViewSchema, ...errorResponses({ ...BODY, ...AUTH, 404: 'no study with this name', 409: 'the study is full (parallelism), asked maxRuns trials, is not running, or does not search externally' }) },
    },
  }, async (request) => studies.ask(request.params.name, request.body.params));

  app.get('/api/v1/studies/:name/trials/:index', {
    config: { access: read },
    schema: {
      summary: "One trial: params, job, state (its job's), the objective's latest point, the last decision",
      params: trialParams,
      response: { 200: trialViewSchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no study with this name, or no such trial' }) },
    },
  }, async (request) => studies.trial(request.params.name, request.params.index));

  app.post('/api/v1/studies/:name/trials/:index/tell', {
    config: { access: admin },
    schema: {
      summary: 'search: external: the searcher pruned the trial (or gave it up): recorded as its decision, its job stopped',
      params: trialParams,
      body: tellBodySchema,
      response: { 200: trialViewSchema, ...errorResponses({ ...BODY, ...AUTH, 404: 'no study with this name, or no such trial', 409: 'the trial ended before the tell, or the study does not search externally' }) },
    },
  }, async (request) => studies.tell(request.params.name, request.params.index, request.body));

  app.post('/api/v1/studies/:name/finish', {
    config: { access: admin },
    schema: {
      summary: 'search: external: the searcher is done; the study completes',
      params: studyNameParams,
      response: { 200: studyViewSchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no study with this name', 409: 'trials are still open, or the study is not running' }) },
    },
  }, async (request) => studies.finish(request.params.name));
}
