/** Job routes: submit, list, show, stop, checkpoints and logs. */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { z } from 'zod';
import { NotFoundError } from '../../core/errors.ts';
import { jobSpecInput, parseJobSpec } from '../../core/job-spec.ts';
import { resolveJobDatasets } from '../../datasets/job-datasets.ts';
import type { Job, JobState } from '../../core/types.ts';
import type { App, AppDeps } from '../app.ts';
import { jobView } from '../views.ts';
import { bodyCheckedByHandler, csv, jobIdParams } from './schemas.ts';

const JOB_STATES = ['queued', 'running', 'stopping', 'succeeded', 'failed', 'stopped'] as const;
const LOG_READ_MAX = 1 << 20;


export async function loadJob(deps: AppDeps, id: number): Promise<Job> {
  const job = await deps.store.getJob(id);
  if (!job) throw new NotFoundError('job', id);
  return job;
}

export function registerJobRoutes(app: App, deps: AppDeps): void {
  const { store } = deps;
  const admin = () => ({ kind: 'admin' }) as const;
  const read = () => ({ kind: 'read' }) as const;
  const ownJob = (write: boolean) => (request: { params: unknown }) =>
    ({ kind: 'job', jobId: Number((request.params as { id: string }).id), write }) as const;

  app.post('/api/v1/jobs', {
    config: { access: admin },
    schema: { summary: 'Submit a job', body: jobSpecInput },
    validatorCompiler: bodyCheckedByHandler,
  }, async (request, reply) => {
    const job = await store.createJob(await resolveJobDatasets(store, parseJobSpec(request.body)), deps.now());
    deps.bus.publish({ type: 'job', jobId: job.id, data: jobView(job) });
    deps.runs.poke();
    return reply.status(201).send(jobView(job));
  });

  app.get('/api/v1/jobs', {
    config: { access: read },
    schema: {
      summary: 'List jobs, newest first',
      querystring: z.object({
        state: csv.pipe(z.array(z.enum(JOB_STATES))).optional(),
        limit: z.coerce.number().int().min(1).max(10_000).default(100),
      }),
    },
  }, async (request) => {
    const jobs = await store.listJobs({ states: request.query.state as JobState[] | undefined, limit: request.query.limit });
    return { jobs: jobs.map(jobView) };
  });

  app.get('/api/v1/jobs/:id', {
    config: { access: ownJob(false) },
    schema: { summary: 'A job with its runs and latest metric values', params: jobIdParams },
  }, async (request) => {
    const job = await loadJob(deps, request.params.id);
    const [runs, latest] = await Promise.all([store.listRuns(job.id), store.latestValues(job.id)]);
    return { ...jobView(job), runs, latest };
  });

  app.post('/api/v1/jobs/:id/stop', {
    config: { access: admin },
    schema: { summary: 'Stop a job: SIGTERM, then SIGKILL after its grace period', params: jobIdParams },
  }, async (request) => {
    await loadJob(deps, request.params.id);
    const job = await deps.runs.requestStop(request.params.id);
    return jobView(job ?? (await loadJob(deps, request.params.id)));
  });

  app.get('/api/v1/jobs/:id/checkpoints', {
    config: { access: ownJob(false) },
    schema: { summary: 'Registered checkpoints, oldest first', params: jobIdParams },
  }, async (request) => {
    await loadJob(deps, request.params.id);
    return { checkpoints: await store.listCheckpoints(request.params.id) };
  });

  app.get('/api/v1/jobs/:id/log', {
    config: { access: ownJob(false) },
    schema: {
      summary: "A run's log from a byte offset (at most 1 MiB per call)",
      params: jobIdParams,
      querystring: z.object({
        attempt: z.coerce.number().int().positive().optional(),
        offset: z.coerce.number().int().min(0).default(0),
      }),
    },
  }, async (request, reply) => {
    const job = await loadJob(deps, request.params.id);
    const runs = await store.listRuns(job.id);
    const run = request.query.attempt ? runs.find((r) => r.attempt === request.query.attempt) : runs.at(-1);
    if (!run) {
      if (request.query.attempt) throw new NotFoundError(`attempt of job ${job.id}`, request.query.attempt);
      return reply.header('x-log-offset', '0').header('x-run-state', 'none').type('text/plain; charset=utf-8').send('');
    }
    const { text, next } = readLog(run.logPath, request.query.offset);
    return reply.header('x-log-offset', String(next)).header('x-run-state', run.state).header('x-run-attempt', String(run.attempt))
      .type('text/plain; charset=utf-8').send(text);
  });
}

function readLog(path: string, offset: number): { text: Buffer; next: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { text: Buffer.alloc(0), next: offset };
  }
  try {
    const size = statSync(path).size;
    const length = Math.max(0, Math.min(LOG_READ_MAX, size - offset));
    const buffer = Buffer.alloc(length);
    const n = length > 0 ? readSync(fd, buffer, 0, length, offset) : 0;
    return { text: buffer.subarray(0, n), next: offset + n };
  } finally {
    closeSync(fd);
  }
}
