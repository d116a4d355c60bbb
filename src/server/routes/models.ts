/**
 * Model registry routes (docs/registry.md): models, versions made from checkpoints, aliases
 * moved with a reason and their history. Admin tokens change; deploy tokens also make versions
 * and move aliases (promotion); every other role but run reads. Who moved an alias is the
 * calling token (`callerName`).
 */
import { z } from 'zod';
import { AUTH, BODY, errorResponses } from '../../core/api/errors.ts';
import {
  aliasHistorySchema,
  aliasMoveInputSchema,
  aliasMoveResultSchema,
  createdVersionSchema,
  modelDetailSchema,
  modelInputSchema,
  modelListSchema,
  modelNameSchema,
  modelPatchSchema,
  modelSchema,
  modelVersionSchema,
  versionInputSchema,
  versionPatchSchema,
} from '../../core/api/registry.ts';
import { answer } from '../../core/api/wire.ts';
import { NotFoundError } from '../../core/errors.ts';
import { ALIAS_NAME, parseVersionRef } from '../../core/registry.ts';
import { findVersion, showModel } from '../../registry/index.ts';
import type { App, AppDeps } from '../app.ts';
import { callerName, type RequestCaller } from '../auth.ts';

const nameParams = z.object({ name: modelNameSchema });
const refParams = nameParams.extend({
  ref: z.string().regex(/^([1-9][0-9]{0,8}|[A-Za-z][A-Za-z0-9._-]{0,63})$/, 'a version number, latest, or an alias').describe('a version number, latest, or an alias'),
});
// Named `ref` like the GET's: OpenAPI refuses two paths that differ only by a parameter's name.
const numberParams = nameParams.extend({ ref: z.coerce.number().int().positive().describe('a version number') });
const aliasParams = nameParams.extend({ alias: z.string().regex(ALIAS_NAME, 'an alias starts with a letter and holds letters, digits, ".", "_" and "-"') });
const deleteQuery = z.object({
  reason: z.string().max(2_000).optional().describe('why: kept in the alias history'),
  expectedVersion: z.coerce.number().int().positive().optional().describe('compare-and-set: 409 unless the alias points at this version'),
});
const historyQuery = z.object({ alias: z.string().regex(ALIAS_NAME).optional().describe('one alias; default: all') });

export function registerModelRoutes(app: App, deps: AppDeps): void {
  const { store } = deps;
  const admin = () => ({ kind: 'admin' }) as const;
  const read = () => ({ kind: 'read' }) as const;
  /** Promotion (versions, aliases): admin and deploy tokens. */
  const deploy = () => ({ kind: 'deploy' }) as const;
  const who = (request: RequestCaller) => callerName(store, request);

  app.get('/api/v1/models', {
    config: { access: read },
    schema: { summary: 'Every model with its latest version and aliases, by name', response: { 200: modelListSchema, ...errorResponses(AUTH) } },
  }, async () => ({ models: await store.listModels() }));

  app.post('/api/v1/models', {
    config: { access: admin },
    schema: {
      summary: 'Create a model (and its promotion rule)',
      body: modelInputSchema,
      response: { 201: answer('created', modelSchema), ...errorResponses({ ...BODY, ...AUTH, 409: 'a model with this name exists' }) },
    },
  }, async (request, reply) => {
    const model = await store.createModel(request.body, await who(request), deps.now());
    return reply.status(201).send(model);
  });

  app.get('/api/v1/models/:name', {
    config: { access: read },
    schema: {
      summary: 'A model with its versions (oldest first, with lineage), its aliases and its latest version',
      params: nameParams,
      response: { 200: modelDetailSchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no model with this name' }) },
    },
  }, async (request) => showModel(store, request.params.name));

  app.patch('/api/v1/models/:name', {
    config: { access: admin },
    schema: {
      summary: "Edit a model's description, tags or promotion rule (appends model.updated)",
      params: nameParams,
      body: modelPatchSchema,
      response: { 200: modelSchema, ...errorResponses({ ...BODY, ...AUTH, 404: 'no model with this name' }) },
    },
  }, async (request) => store.updateModel(request.params.name, request.body, await who(request), deps.now()));

  app.post('/api/v1/models/:name/versions', {
    config: { access: deploy },
    schema: {
      summary: "Make a checkpoint the model's next version, with its lineage; it pins the checkpoint's file",
      params: nameParams,
      body: versionInputSchema,
      response: {
        201: answer('a new version', createdVersionSchema),
        200: answer('the checkpoint was a version of this model already: that one', createdVersionSchema),
        ...errorResponses({ ...BODY, ...AUTH, 404: 'no such model or checkpoint', 409: "the checkpoint's file was deleted by retention" }),
      },
    },
  }, async (request, reply) => {
    const { version, created } = await store.createModelVersion({ model: request.params.name, ...request.body }, await who(request), deps.now());
    return reply.status(created ? 201 : 200).send({ ...version, created });
  });

  app.get('/api/v1/models/:name/versions/:ref', {
    config: { access: read },
    schema: {
      summary: 'A version by number, latest, or alias, with its lineage',
      params: refParams,
      response: { 200: modelVersionSchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no such model, version or alias' }) },
    },
  }, async (request) => findVersion(store, request.params.name, parseVersionRef(request.params.ref)));

  app.patch('/api/v1/models/:name/versions/:ref', {
    config: { access: admin },
    schema: {
      summary: "Edit a version's notes or tags (appends model.updated)",
      params: numberParams,
      body: versionPatchSchema,
      response: { 200: modelVersionSchema, ...errorResponses({ ...BODY, ...AUTH, 404: 'no such model or version' }) },
    },
  }, async (request) => store.updateModelVersion(request.params.name, request.params.ref, request.body, await who(request), deps.now()));

  app.put('/api/v1/models/:name/aliases/:alias', {
    config: { access: deploy },
    schema: {
      summary: 'Set or move an alias to a version, with a reason: one transaction with its history entry and model.alias_moved',
      params: aliasParams,
      body: aliasMoveInputSchema,
      response: {
        200: answer('moved (or it pointed there already: `move` is null)', aliasMoveResultSchema),
        ...errorResponses({ ...BODY, 400: 'a body that is not valid, or the alias latest (computed, never set)', ...AUTH, 404: 'no such model or version', 409: 'expectedVersion does not hold: the alias was moved meanwhile' }),
      },
    },
  }, async (request) => {
    const { version, reason, expectedVersion } = request.body;
    return store.moveAlias({ model: request.params.name, alias: request.params.alias, version, by: await who(request), reason: reason ?? null, expectedFrom: expectedVersion }, deps.now());
  });

  app.delete('/api/v1/models/:name/aliases/:alias', {
    config: { access: deploy },
    schema: {
      summary: 'Delete an alias, with a reason (kept in its history)',
      params: aliasParams,
      querystring: deleteQuery,
      response: {
        200: answer('deleted', aliasMoveResultSchema),
        ...errorResponses({ 400: true, ...AUTH, 404: 'no such model, or the alias is not set', 409: 'expectedVersion does not hold' }),
      },
    },
  }, async (request) => {
    const { name, alias } = request.params;
    const result = await store.moveAlias({ model: name, alias, version: null, by: await who(request), reason: request.query.reason ?? null, expectedFrom: request.query.expectedVersion }, deps.now());
    if (result.move === null) throw new NotFoundError('alias', `${name}@${alias}`);
    return result;
  });

  app.get('/api/v1/models/:name/history', {
    config: { access: read },
    schema: {
      summary: 'The alias history of a model (of one alias with ?alias=): who moved it, when, from → to, why; oldest first',
      params: nameParams,
      querystring: historyQuery,
      response: { 200: aliasHistorySchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no model with this name' }) },
    },
  }, async (request) => {
    if (!(await store.getModel(request.params.name))) throw new NotFoundError('model', request.params.name);
    return { moves: await store.listAliasMoves(request.params.name, request.query.alias) };
  });
}
