/**
 * Studies (docs/studies.md): submitted (or dry-run) and paused, resumed, stopped by an admin (a
 * study launches jobs); listed and shown with a read token, each trial with its params, job,
 * state and early-stopping decision.
 */
import { AUTH, BODY, errorResponses } from '../../core/api/errors.ts';
import {
  studyInputSchema, studyListSchema, studyNameParams, studySubmitQuery, studySubmitResultSchema, studyViewSchema, studyWidenBodySchema, studyWidenResultSchema,
} from '../../core/api/studies.ts';
import type { App, AppDeps } from '../app.ts';

export function registerStudyRoutes(app: App, deps: AppDeps): void {
  const studies = deps.studies;
  if (!studies) return;
  const admin = () => ({ kind: 'admin' }) as const;
  const read = () => ({ kind: 'read' }) as const;
  const notFound = { 404: 'no study with this name' } as const;

  app.post('/api/v1/studies', {
    config: { access: admin },
    schema: {
      summary: 'Submit a study (its trials launch as slots free up); with ?dryRun=true, every variant and the rung plan, nothing stored',
      querystring: studySubmitQuery,
      body: studyInputSchema,
      response: { 200: studySubmitResultSchema, ...errorResponses({ ...BODY, ...AUTH, 409: 'a study of this name exists' }) },
    },
  }, async (request) => studies.submit(request.body, { dryRun: request.query.dryRun }));

  app.get('/api/v1/studies', {
    config: { access: read },
    schema: { summary: 'Every study, newest first, with its trial counts', response: { 200: studyListSchema, ...errorResponses(AUTH) } },
  }, async () => ({ studies: await studies.list() }));

  app.get('/api/v1/studies/:name', {
    config: { access: read },
    schema: {
      summary: 'A study with every trial: params, job, state (its job\'s), latest objective value, early-stopping decision',
      params: studyNameParams,
      response: { 200: studyViewSchema, ...errorResponses({ 400: true, ...AUTH, ...notFound }) },
    },
  }, async (request) => studies.show(request.params.name));

  const verbs = {
    pause: 'Pause a study: nothing more is launched, its open trials are paused',
    resume: 'Resume a paused study: the trials its pause held go back to the queue, launches go on (the circuit breaker counts afresh)',
    stop: 'Stop a study for good: its open trials are stopped, pending ones never launch',
  } as const;
  for (const verb of ['pause', 'resume', 'stop'] as const) {
    app.post(`/api/v1/studies/:name/${verb}`, {
      config: { access: admin },
      schema: {
        summary: verbs[verb],
        params: studyNameParams,
        response: { 200: studyViewSchema, ...errorResponses({ 400: true, ...AUTH, ...notFound, 409: 'the study is not in a state that allows it' }) },
      },
    }, async (request) => studies[verb](request.params.name));
  }

  app.post('/api/v1/studies/:name/widen', {
    config: { access: admin },
    schema: {
      summary: 'Widen a study: a larger maxRuns (a random search draws more variants, an external searcher may ask for more), and with resumePaused the trials ASHA paused that now rank in at their rung resumed; a completed study reopens',
      params: studyNameParams,
      body: studyWidenBodySchema,
      response: { 200: studyWidenResultSchema, ...errorResponses({ ...BODY, ...AUTH, ...notFound, 409: 'the study was stopped, is paused (with resumePaused), or searches by grid or list (a larger maxRuns adds nothing)' }) },
    },
  }, async (request) => studies.widen(request.params.name, request.body));
}
