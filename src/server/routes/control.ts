/** Steering routes: pause, resume, priority, queue order, and the timeline of slots. */
import { z } from 'zod';
import { priorityInput } from '../../core/job-spec.ts';
import { buildTimeline } from '../../core/timeline.ts';
import type { Job, Run } from '../../core/types.ts';
import type { App, AppDeps } from '../app.ts';
import { jobView } from '../../control/views.ts';
import { AUTH, BODY, errorResponses } from '../../core/api/errors.ts';
import { jobSchema } from '../../core/api/jobs.ts';
import { timelineSchema } from '../../core/api/timeline.ts';
import { jobIdParams } from './schemas.ts';

const admin = () => ({ kind: 'admin' }) as const;
/** Admin, or the submit token that submitted the job. */
const ownJob = (request: { params: unknown }) => ({ kind: 'job', jobId: Number((request.params as { id: string }).id), write: true }) as const;

export function registerControlRoutes(app: App, deps: AppDeps): void {
  const { store, control } = deps;

  app.post('/api/v1/jobs/:id/pause', {
    config: { access: ownJob },
    schema: {
      summary: 'Pause a job: it checkpoints and exits (SIGTERM, grace period), freeing its slots; a queued job is held',
      params: jobIdParams,
      response: { 200: jobSchema, ...errorResponses({ ...BODY, ...AUTH, 404: 'no job with this id', 409: 'the job has ended' }) },
    },
  }, async (request) => {
    return jobView(await control.jobs.pause(request.params.id));
  });

  app.post('/api/v1/jobs/:id/resume', {
    config: { access: ownJob },
    schema: {
      summary: 'Queue a paused job again; it resumes from its latest checkpoint',
      params: jobIdParams,
      response: { 200: jobSchema, ...errorResponses({ ...BODY, ...AUTH, 404: 'no job with this id', 409: 'the job is not paused' }) },
    },
  }, async (request) => {
    return jobView(await control.jobs.resume(request.params.id));
  });

  app.post('/api/v1/jobs/:id/priority', {
    config: { access: admin },
    schema: {
      summary: "Change a job's priority: a class (high, normal, low), a number (within normal), or both",
      params: jobIdParams,
      body: z.strictObject({ priority: priorityInput }),
      response: { 200: jobSchema, ...errorResponses({ ...BODY, ...AUTH, 404: 'no job with this id' }) },
    },
  }, async (request) => {
    return jobView(await control.jobs.setPriority(request.params.id, request.body.priority));
  });

  app.post('/api/v1/jobs/:id/move', {
    config: { access: admin },
    schema: {
      summary: 'Move a queued job ahead of the others of its priority',
      params: jobIdParams,
      body: z.strictObject({ to: z.literal('front') }),
      response: { 200: jobSchema, ...errorResponses({ ...BODY, ...AUTH, 404: 'no job with this id', 409: 'the job is not queued' }) },
    },
  }, async (request) => {
    return jobView(await control.jobs.moveToFront(request.params.id));
  });

  app.get('/api/v1/timeline', {
    config: { access: () => ({ kind: 'read' }) },
    schema: {
      summary: 'Which run held which slot when, per-slot utilisation and queue depth, over a window',
      querystring: z.object({
        from: z.coerce.number().optional().describe('epoch ms; default: an hour before `to`'),
        to: z.coerce.number().optional().describe('epoch ms; default: now'),
        samples: z.coerce.number().int().min(2).max(2000).default(100),
      }),
      response: { 200: timelineSchema, ...errorResponses({ 400: true, ...AUTH }) },
    },
  }, async (request) => {
    const to = request.query.to ?? deps.now();
    const from = request.query.from ?? to - 3_600_000;
    const alive = await store.listRunsBetween(from, to);
    const waiting = await store.listJobs({ states: ['queued', 'paused'], limit: 10_000 });
    const ids = new Set([...alive.map((r) => r.jobId), ...waiting.map((j) => j.id)]);
    const jobs = new Map<number, Job>();
    const runsByJob = new Map<number, Run[]>();
    for (const id of ids) {
      const job = await store.getJob(id);
      if (!job) continue;
      jobs.set(id, job);
      runsByJob.set(id, await store.listRuns(id));
    }
    const timeline = buildTimeline({ from, to, gpus: deps.slots.gpus, cpuSlots: deps.slots.cpuSlots, runs: alive, jobs, runsByJob, samples: request.query.samples });
    return { ...timeline, slots: deps.slots };
  });
}
