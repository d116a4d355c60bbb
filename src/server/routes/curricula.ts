/**
 * Curricula (docs/curriculum.md): listed and read with a read token; applied, moved by hand and
 * made to run a level's job by an admin.
 */
import { AUTH, BODY, errorResponses } from '../../core/api/errors.ts';
import {
  curriculumAppliedSchema, curriculumDetailSchema, curriculumInputSchema, curriculumListSchema, curriculumMoveSchema, curriculumNameParams,
  runLevelInputSchema, setLevelInputSchema,
} from '../../core/api/curricula.ts';
import { jobSchema } from '../../core/api/jobs.ts';
import { ValidationError } from '../../core/errors.ts';
import { jobView } from '../../control/views.ts';
import { callerName, type RequestCaller } from '../auth.ts';
import type { App, AppDeps } from '../app.ts';
import { bodyCheckedByHandler } from './schemas.ts';

export function registerCurriculumRoutes(app: App, deps: AppDeps): void {
  const { curricula, store } = deps;
  const admin = () => ({ kind: 'admin' }) as const;
  const read = () => ({ kind: 'read' }) as const;
  const notFound = { 404: 'no curriculum with this name' } as const;
  const who = (request: RequestCaller) => callerName(store, request);

  app.get('/api/v1/curricula', {
    config: { access: read },
    schema: { summary: 'Curricula, by name, each with its current level and state', response: { 200: curriculumListSchema, ...errorResponses(AUTH) } },
  }, async () => ({ curricula: await curricula.list() }));

  app.get('/api/v1/curricula/:name', {
    config: { access: read },
    schema: {
      summary: "One curriculum: its spec, current level, the level's window of values and the history of moves",
      params: curriculumNameParams,
      response: { 200: curriculumDetailSchema, ...errorResponses({ 400: true, ...AUTH, ...notFound }) },
    },
  }, async (request) => curricula.get(request.params.name));

  app.put('/api/v1/curricula/:name', {
    config: { access: admin },
    schema: {
      summary: 'Create a curriculum (at its first level) or replace its spec (the current level stays, by name)',
      params: curriculumNameParams,
      body: curriculumInputSchema,
      response: {
        200: curriculumAppliedSchema,
        ...errorResponses({ ...BODY, 400: 'a spec that is not valid (code invalid_curriculum, `field` names it)', ...AUTH, 409: 'the new spec drops the current level' }),
      },
    },
    validatorCompiler: bodyCheckedByHandler,
  }, async (request) => {
    const body = request.body as Record<string, unknown> | null;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ValidationError('expected a curriculum (a JSON object)', null, { code: 'invalid_curriculum' });
    if (body.name !== undefined && body.name !== request.params.name) {
      throw new ValidationError(`expected ${JSON.stringify(request.params.name)} (the URL's name), got ${JSON.stringify(body.name)}`, 'name', { code: 'invalid_curriculum' });
    }
    return curricula.apply({ ...body, name: request.params.name }, await who(request));
  });

  app.post('/api/v1/curricula/:name/level', {
    config: { access: admin },
    schema: {
      summary: 'Move a curriculum to a level by hand (direction set; the level is re-entered, its window starts afresh)',
      params: curriculumNameParams,
      body: setLevelInputSchema,
      response: { 200: curriculumMoveSchema, ...errorResponses({ ...BODY, ...AUTH, ...notFound }) },
    },
  }, async (request) => curricula.setLevel(request.params.name, request.body.level, request.body.reason, await who(request)));

  app.post('/api/v1/curricula/:name/jobs', {
    config: { access: admin },
    schema: {
      summary: "Submit the current level's job (run: train) or its data-generation job (run: generate)",
      params: curriculumNameParams,
      body: runLevelInputSchema,
      response: {
        201: jobSchema,
        ...errorResponses({ ...BODY, 400: 'the job is refused (a dataset not ready: dataset_not_ready)', ...AUTH, ...notFound, 409: 'run: generate on a level without a generate job' }),
      },
    },
  }, async (request, reply) => reply.status(201).send(jobView(await curricula.run(request.params.name, request.body.run))));
}
