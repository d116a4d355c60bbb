/**
 * Retention routes (docs/retention.md): the global policy of jobs without their own, and a
 * collection (`trainyard gc`), dry or not, with what went, what stays and why. Admin tokens
 * change and collect; read tokens read the policy.
 */
import { AUTH, BODY, errorResponses } from '../../core/api/errors.ts';
import { gcReportSchema, gcRequestSchema, globalRetentionSchema, retentionPolicyBodySchema } from '../../core/api/retention.ts';
import type { App, AppDeps } from '../app.ts';
import { callerName } from '../auth.ts';

export function registerRetentionRoutes(app: App, deps: AppDeps): void {
  const { store } = deps;
  const admin = () => ({ kind: 'admin' }) as const;
  const read = () => ({ kind: 'read' }) as const;

  app.get('/api/v1/retention', {
    config: { access: read },
    schema: { summary: 'The global retention policy: what jobs without their own keep', response: { 200: globalRetentionSchema, ...errorResponses(AUTH) } },
  }, async () => store.getRetentionPolicy());

  app.put('/api/v1/retention', {
    config: { access: admin },
    schema: {
      summary: 'Set the global retention policy (null removes it); appends retention.policy_changed. Applies at the next collection',
      body: retentionPolicyBodySchema,
      response: { 200: globalRetentionSchema, ...errorResponses({ ...BODY, ...AUTH }) },
    },
  }, async (request) => store.setRetentionPolicy(request.body.policy, await callerName(store, request), deps.now()));

  app.post('/api/v1/gc', {
    config: { access: admin },
    schema: {
      summary: 'Collect checkpoints by each job\'s policy (dryRun: only report): per job what goes and why, what is kept and why, bytes freed',
      body: gcRequestSchema,
      response: { 200: gcReportSchema, ...errorResponses({ ...BODY, ...AUTH, 404: 'no job with this id' }) },
    },
  }, async (request) => deps.control.gc.collect({ dryRun: request.body.dryRun, jobId: request.body.jobId }));
}
