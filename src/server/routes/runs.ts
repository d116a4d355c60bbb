/** Routes a run reports through (besides metrics): checkpoints and status/heartbeat. */
import { AUTH, BODY, errorResponses } from '../../core/api/errors.ts';
import { checkpointSchema } from '../../core/api/jobs.ts';
import { checkpointInputSchema, statusAnswerSchema, statusInputSchema } from '../../core/api/runs.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { Run } from '../../core/types.ts';
import type { App, AppDeps } from '../app.ts';
import { runIdParams } from './schemas.ts';

export function registerRunRoutes(app: App, deps: AppDeps): void {
  const { store } = deps;
  const ownRun = (r: { params: unknown }) => ({ kind: 'run', runId: Number((r.params as { runId: string }).runId) }) as const;

  async function loadRun(runId: number): Promise<Run> {
    const run = await store.getRun(runId);
    if (!run) throw new NotFoundError('run', runId);
    return run;
  }

  app.post('/api/v1/runs/:runId/checkpoints', {
    config: { access: ownRun },
    schema: {
      summary: 'Register a checkpoint file the run wrote into TRAINYARD_CHECKPOINT_DIR',
      params: runIdParams,
      body: checkpointInputSchema,
      response: {
        201: checkpointSchema,
        ...errorResponses({
          ...BODY,
          400: 'not a valid body, a path outside the checkpoint directory, or a file that is not there',
          ...AUTH,
          404: 'no run with this id',
        }),
      },
    },
  }, async (request, reply) => {
    const run = await loadRun(request.params.runId);
    const checkpoint = await deps.control.intake.checkpoint({ runId: run.id, jobId: run.jobId }, request.body);
    return reply.status(201).send(checkpoint);
  });

  app.post('/api/v1/runs/:runId/status', {
    config: { access: ownRun },
    schema: {
      summary: 'Heartbeat with optional progress total and status message; answers whether a stop was requested',
      params: runIdParams,
      body: statusInputSchema,
      response: { 200: statusAnswerSchema, ...errorResponses({ ...BODY, ...AUTH, 404: 'no run with this id' }) },
    },
  }, async (request) => {
    const run = await loadRun(request.params.runId);
    return deps.control.intake.status({ runId: run.id, jobId: run.jobId }, request.body, true);
  });
}
