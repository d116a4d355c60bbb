/**
 * Evaluation routes: eval suites (save, list, show), evaluations (run one by hand, list, show,
 * override a verdict) and leaderboards. The checkpoints of a job carry their evaluations too
 * (routes/jobs.ts). docs/evaluation.md says what a suite holds and how a verdict is reached.
 */
import { z } from 'zod';
import { AUTH, BODY, errorResponses } from '../../core/api/errors.ts';
import {
  createdEvaluationSchema,
  evalSuiteListSchema,
  evalSuiteSchema,
  evaluationListSchema,
  evaluationSchema,
  leaderboardSchema,
  savedEvalSuiteSchema,
} from '../../core/api/evaluations.ts';
import { answer } from '../../core/api/wire.ts';
import { evalSuiteInput, SUITE_NAME } from '../../core/eval-suite.ts';
import { NotFoundError } from '../../core/errors.ts';
import { leaderboard } from '../../evaluation/leaderboard.ts';
import { evaluationView, evaluationViews } from '../../evaluation/views.ts';
import type { Evaluation } from '../../core/eval-record.ts';
import type { App, AppDeps } from '../app.ts';
import { bodyCheckedByHandler } from './schemas.ts';

const suiteParams = z.object({ name: z.string().regex(SUITE_NAME, 'a suite name') });
const idParams = z.object({ id: z.coerce.number().int().positive() });
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const runEvaluationInput = z.strictObject({
  suite: z.string().regex(SUITE_NAME, 'a suite name'),
  checkpoint: z.number().int().positive().describe('the checkpoint id (trainyard checkpoints JOB lists them)'),
});

export const overrideInput = z.strictObject({
  reason: z.string().trim().min(1).max(2000).describe('why the verdict is overridden'),
  by: z.string().trim().min(1).max(200).optional().describe('who asks (default: the token)'),
});

/** Who a request comes from, for the record: its token's name, or its role and id. */
async function caller(deps: AppDeps, authorization: string | undefined, role: string | undefined): Promise<string> {
  const id = /^Bearer\s+ty_([0-9a-f]{16})_/i.exec(authorization ?? '')?.[1] ?? null;
  if (id === null) return role ?? 'unknown';
  const named = (await deps.store.listTokens()).find((t) => t.id === id)?.name;
  return named ? `${named} (token ${id})` : `${role ?? 'a'} token ${id}`;
}

export function registerEvaluationRoutes(app: App, deps: AppDeps): void {
  const { store, evaluator } = deps;
  const admin = () => ({ kind: 'admin' }) as const;
  const read = () => ({ kind: 'read' }) as const;
  const view = async (e: Evaluation) => evaluationView(e, (await store.getJob(e.evalJobId))?.state ?? null);

  app.post('/api/v1/eval-suites', {
    config: { access: admin },
    schema: {
      summary: 'Save an eval suite: version 1, the same definition again (a no-op), or with ?replace=true its next version',
      body: evalSuiteInput,
      querystring: z.object({ replace: flag.optional().describe('save a changed definition as the next version') }),
      response: {
        201: answer('a new version, its datasets pinned to name@version', savedEvalSuiteSchema),
        200: answer('the same definition was the latest version already', savedEvalSuiteSchema),
        ...errorResponses({ ...BODY, 400: 'a suite that is not valid (code invalid_suite, `field` names it), or a dataset not ready (dataset_not_ready)', ...AUTH, 409: 'the name has another definition and replace was not given' }),
      },
    },
    validatorCompiler: bodyCheckedByHandler,
  }, async (request, reply) => {
    const saved = await evaluator.saveSuite(request.body, { replace: request.query.replace ?? false });
    return reply.status(saved.created ? 201 : 200).send(saved);
  });

  app.get('/api/v1/eval-suites', {
    config: { access: read },
    schema: { summary: 'Every eval suite (its latest version), by name', response: { 200: evalSuiteListSchema, ...errorResponses(AUTH) } },
  }, async () => ({ suites: await store.listEvalSuites() }));

  app.get('/api/v1/eval-suites/:name', {
    config: { access: read },
    schema: {
      summary: 'An eval suite: its latest version, or ?version=N',
      params: suiteParams,
      querystring: z.object({ version: z.coerce.number().int().positive().optional() }),
      response: { 200: evalSuiteSchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no suite (or no such version) with this name' }) },
    },
  }, async (request) => {
    const suite = await store.getEvalSuite(request.params.name, request.query.version);
    if (!suite) throw new NotFoundError('eval suite', request.query.version ? `${request.params.name} version ${request.query.version}` : request.params.name);
    return suite;
  });

  app.post('/api/v1/evaluations', {
    config: { access: admin },
    schema: {
      summary: 'Evaluate a checkpoint by a suite now (its own low-priority job)',
      body: runEvaluationInput,
      response: {
        201: answer('the evaluation, its job queued', createdEvaluationSchema),
        200: answer('the checkpoint had an evaluation by this suite already: that one', createdEvaluationSchema),
        ...errorResponses({ ...BODY, ...AUTH, 404: 'no such suite or checkpoint', 409: "the checkpoint's file was deleted" }),
      },
    },
  }, async (request, reply) => {
    const { evaluation, created } = await evaluator.run(request.body.suite, request.body.checkpoint);
    return reply.status(created ? 201 : 200).send({ evaluation: await view(evaluation), created });
  });

  app.get('/api/v1/evaluations', {
    config: { access: read },
    schema: {
      summary: 'Evaluations, oldest first: of a job’s checkpoints, of a suite, of a checkpoint',
      querystring: z.object({
        job: z.coerce.number().int().positive().optional().describe('the evaluated job'),
        suite: z.string().regex(SUITE_NAME).optional(),
        checkpoint: z.coerce.number().int().positive().optional(),
        state: z.enum(['running', 'done']).optional(),
        limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
      }),
      response: { 200: evaluationListSchema, ...errorResponses({ 400: true, ...AUTH }) },
    },
  }, async (request) => {
    const { job, suite, checkpoint, state, limit } = request.query;
    const evaluations = await store.listEvaluations({ jobId: job, suite, checkpointId: checkpoint, state, limit });
    return { evaluations: await evaluationViews(store, evaluations) };
  });

  app.get('/api/v1/evaluations/leaderboard', {
    config: { access: read },
    schema: {
      summary: 'Leaderboards by composite score with baselines: of a job’s checkpoints (?job=), of a suite across jobs (?suite=), or both',
      querystring: z.object({
        suite: z.string().regex(SUITE_NAME).optional(),
        job: z.coerce.number().int().positive().optional(),
        limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
      }),
      response: { 200: leaderboardSchema, ...errorResponses({ 400: 'neither suite nor job was given, or one is malformed', ...AUTH, 404: 'no such suite or job' }) },
    },
  }, async (request) => leaderboard(store, request.query));

  app.get('/api/v1/evaluations/:id', {
    config: { access: read },
    schema: {
      summary: 'An evaluation: its verdict, per-metric diff against the baseline, score and regression alarm',
      params: idParams,
      response: { 200: evaluationSchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no evaluation with this id' }) },
    },
  }, async (request) => {
    const evaluation = await store.getEvaluation(request.params.id);
    if (!evaluation) throw new NotFoundError('evaluation', request.params.id);
    return view(evaluation);
  });

  app.post('/api/v1/evaluations/:id/override', {
    config: { access: admin },
    schema: {
      summary: 'Promote anyway: record who overrides a failing or regressing verdict, and why',
      params: idParams,
      body: overrideInput,
      response: {
        200: answer('the evaluation with its override (now promotable)', evaluationSchema),
        ...errorResponses({ ...BODY, ...AUTH, 404: 'no evaluation with this id', 409: 'still running, nothing to override, or overridden already' }),
      },
    },
  }, async (request) => {
    const by = await caller(deps, request.headers.authorization, request.scope?.role);
    const who = request.body.by ? `${request.body.by} via ${by}` : by;
    return view(await evaluator.override(request.params.id, who, request.body.reason));
  });
}
