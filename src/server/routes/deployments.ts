/**
 * Deployment routes (docs/deployment.md): deploy targets, deployments (asynchronous: a POST
 * answers 202 with the deployment in state `requested`; follow it with GET or the event
 * stream), and rollback. Admin tokens change; deploy tokens also deploy and roll back (targets
 * stay admin's); every other role but run reads. Who asked is the calling token (`callerName`).
 */
import { z } from 'zod';
import { AUTH, BODY, errorResponses } from '../../core/api/errors.ts';
import {
  deploymentListSchema,
  deploymentQuerySchema,
  deploymentSchema,
  deployRequestSchema,
  deployTargetSchema,
  rollbackRequestSchema,
  targetDetailSchema,
  targetInputSchema,
  targetListSchema,
  targetNameSchema,
} from '../../core/api/deployments.ts';
import { answer } from '../../core/api/wire.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { parseVersionRef } from '../../core/registry.ts';
import { redactConfig } from '../../core/deployment.ts';
import type { App, AppDeps } from '../app.ts';
import { callerName, type RequestCaller } from '../auth.ts';

const nameParams = z.object({ name: targetNameSchema });
const idParams = z.object({ id: z.coerce.number().int().positive() });

export function registerDeploymentRoutes(app: App, deps: AppDeps): void {
  const { store, deployer } = deps;
  const admin = () => ({ kind: 'admin' }) as const;
  const read = () => ({ kind: 'read' }) as const;
  /** Deploying and rolling back: admin and deploy tokens (targets stay admin's). */
  const deploy = () => ({ kind: 'deploy' }) as const;
  const who = (request: RequestCaller) => callerName(store, request);

  app.put('/api/v1/deploy/targets/:name', {
    config: { access: admin },
    schema: {
      summary: "Declare or replace a deploy target (its config is checked by its kind's schema); the version it serves stays",
      params: nameParams,
      body: targetInputSchema,
      response: { 200: deployTargetSchema, ...errorResponses({ ...BODY, 400: 'invalid target: the field (config.url), what was expected and what came', ...AUTH, 404: 'no such model' }) },
    },
  }, async (request) => {
    const { name, ...spec } = request.body;
    if (name !== undefined && name !== request.params.name) throw new ValidationError(`the body names target ${JSON.stringify(name)} but the URL ${JSON.stringify(request.params.name)}`, 'name');
    return shown(await deployer.saveTarget({ ...spec, name: request.params.name }, await who(request)));
  });

  app.get('/api/v1/deploy/targets', {
    config: { access: read },
    schema: { summary: 'Every deploy target with the version it serves, by name', response: { 200: targetListSchema, ...errorResponses(AUTH) } },
  }, async () => ({ targets: (await store.listDeployTargets()).map(shown) }));

  app.get('/api/v1/deploy/targets/:name', {
    config: { access: read },
    schema: {
      summary: 'A deploy target: its spec, the version it serves (recorded, and as the target reports it), its last 20 deployments',
      params: nameParams,
      response: { 200: targetDetailSchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no deploy target with this name' }) },
    },
  }, async (request) => {
    const target = await store.getDeployTarget(request.params.name);
    if (!target) throw new NotFoundError('deploy target', request.params.name);
    return { ...shown(target), deployments: await store.listDeployments({ target: target.name, limit: 20 }), live: await deployer.live(target.name) };
  });

  app.delete('/api/v1/deploy/targets/:name', {
    config: { access: admin },
    schema: {
      summary: 'Remove a deploy target (its deployment history stays); refused while a deployment on it is in flight',
      params: nameParams,
      response: { 204: answer('removed', z.null()), ...errorResponses({ 400: true, ...AUTH, 404: 'no deploy target with this name', 409: 'a deployment on it is in flight' }) },
    },
  }, async (request, reply) => {
    await deployer.removeTarget(request.params.name, await who(request));
    return reply.status(204).send(null);
  });

  app.post('/api/v1/deployments', {
    config: { access: deploy },
    schema: {
      summary: "Deploy a model version to a target (stage → check → switch → watch); the target's alias moves when it succeeds",
      body: deployRequestSchema,
      response: {
        202: answer('requested: it runs now; follow it with GET /api/v1/deployments/{id}', deploymentSchema),
        ...errorResponses({ ...BODY, 400: 'invalid input, or a version of another model than the target serves', ...AUTH, 404: 'no such target or version', 409: 'a deployment on the target is in flight' }),
      },
    },
  }, async (request, reply) => {
    const { target, model, version, reason } = request.body;
    const ref = typeof version === 'number' ? version : parseVersionRef(version);
    const deployment = await deployer.deploy({ target, model, version: ref, by: await who(request), reason: reason ?? null });
    return reply.status(202).send(deployment);
  });

  app.post('/api/v1/deploy/targets/:name/rollback', {
    config: { access: deploy },
    schema: {
      summary: 'Deploy the version the target served before its current one (from its history); the alias follows when it succeeds',
      params: nameParams,
      body: rollbackRequestSchema,
      response: {
        202: answer('requested: it runs now', deploymentSchema),
        ...errorResponses({ ...BODY, ...AUTH, 404: 'no deploy target with this name', 409: 'nothing to roll back to, or a deployment on it is in flight' }),
      },
    },
  }, async (request, reply) => {
    const deployment = await deployer.rollback(request.params.name, { by: await who(request), reason: request.body.reason ?? null });
    return reply.status(202).send(deployment);
  });

  app.get('/api/v1/deployments', {
    config: { access: read },
    schema: {
      summary: 'Deployments, newest first (of one target or model with ?target= / ?model=)',
      querystring: deploymentQuerySchema,
      response: { 200: deploymentListSchema, ...errorResponses({ 400: true, ...AUTH }) },
    },
  }, async (request) => ({ deployments: await store.listDeployments(request.query) }));

  app.get('/api/v1/deployments/:id', {
    config: { access: read },
    schema: {
      summary: 'A deployment: its state, when each step began, and why it rolled back or failed',
      params: idParams,
      response: { 200: deploymentSchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no deployment with this id' }) },
    },
  }, async (request) => {
    const deployment = await store.getDeployment(request.params.id);
    if (!deployment) throw new NotFoundError('deployment', request.params.id);
    return deployment;
  });
}

/** A target as answered: secrets in its config redacted. */
function shown<T extends { readonly config: Readonly<Record<string, unknown>> }>(target: T): T {
  return { ...target, config: redactConfig(target.config) };
}
