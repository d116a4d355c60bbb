/** Routes a run reports through (besides metrics): checkpoints and status/heartbeat. */
import { z } from 'zod';
import { NotFoundError } from '../../core/errors.ts';
import type { Run } from '../../core/types.ts';
import type { App, AppDeps } from '../app.ts';
import { registerCheckpointFile } from '../checkpoints.ts';
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
      body: z.strictObject({
        path: z.string().min(1).max(4096).describe('relative to the checkpoint directory, or absolute inside it'),
        step: z.number().refine(Number.isFinite, 'must be finite'),
        metrics: z.record(z.string(), z.number()).default({}),
      }),
    },
  }, async (request, reply) => {
    const run = await loadRun(request.params.runId);
    const job = await store.getJob(run.jobId);
    if (!job) throw new NotFoundError('job', run.jobId);
    const { checkpoint } = await registerCheckpointFile(store, deps.layout.checkpointDir(job.id), {
      jobId: job.id, runId: run.id, path: request.body.path, step: request.body.step, metrics: request.body.metrics,
    }, job.spec.keepCheckpoints, deps.now());
    deps.bus.publish({ type: 'checkpoint', jobId: job.id, data: checkpoint });
    return reply.status(201).send(checkpoint);
  });

  app.post('/api/v1/runs/:runId/status', {
    config: { access: ownRun },
    schema: {
      summary: 'Heartbeat with optional progress total; answers whether a stop was requested',
      params: runIdParams,
      body: z.strictObject({
        total: z.number().min(0).refine(Number.isFinite, 'must be finite').optional(),
        message: z.string().max(1000).optional(),
      }).default({}),
    },
  }, async (request) => {
    const run = await loadRun(request.params.runId);
    await store.recordHeartbeat(run.id, deps.now());
    if (request.body.total !== undefined) deps.progress.setTotal(run.jobId, request.body.total);
    const job = await store.getJob(run.jobId);
    return { stopRequested: Boolean(job?.stopRequested) || run.state !== 'running' };
  });
}
