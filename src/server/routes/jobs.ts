/** Job routes: submit, list, show, stop, checkpoints and logs. */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { z } from 'zod';
import { NotFoundError } from '../../core/errors.ts';
import { jobSpecInput, parseJobSpec } from '../../core/job-spec.ts';
import { resolveJobDatasets } from '../../datasets/job-datasets.ts';
import { JOB_STATES, type Job } from '../../core/types.ts';
import type { App, AppDeps } from '../app.ts';
import { jobView, runView } from '../../control/views.ts';
import { AUTH, BODY, errorResponses } from '../../core/api/errors.ts';
import { evaluatedCheckpointListSchema } from '../../core/api/evaluations.ts';
import { jobDetailSchema, jobListSchema, jobSchema } from '../../core/api/jobs.ts';
import { evaluationViews } from '../../evaluation/views.ts';
import { answer } from '../../core/api/wire.ts';
import { bodyCheckedByHandler, csvList, jobIdParams } from './schemas.ts';

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
    // Admin and submit tokens; the job records the token (a submit token controls only its own jobs).
    config: { access: () => ({ kind: 'submit' }) as const },
    schema: {
      summary: 'Submit a job',
      body: jobSpecInput,
      response: {
        201: jobSchema,
        ...errorResponses({ ...BODY, 400: 'a spec that is not valid (code invalid_spec, `field` names it), or a dataset not ready (dataset_not_ready)', ...AUTH }),
      },
    },
    validatorCompiler: bodyCheckedByHandler,
  }, async (request, reply) => {
    const job = await deps.control.jobs.submit(await resolveJobDatasets(store, parseJobSpec(request.body)), request.callerId);
    return reply.status(201).send(jobView(job));
  });

  app.get('/api/v1/jobs', {
    config: { access: read },
    schema: {
      summary: 'List jobs, newest first, each with the latest value of every metric',
      querystring: z.object({
        state: csvList.pipe(z.array(z.enum(JOB_STATES))).optional(),
        tag: csvList.pipe(z.array(z.string().max(100)).max(50)).optional().describe('only jobs carrying every one of these tags'),
        name: z.string().min(1).max(200).optional().describe('only jobs whose name starts with this (case-sensitive)'),
        limit: z.coerce.number().int().min(1).max(10_000).default(100),
      }),
      response: { 200: jobListSchema, ...errorResponses({ 400: true, ...AUTH }) },
    },
  }, async (request) => {
    const { state, tag, name, limit } = request.query;
    const jobs = await store.listJobs({ states: state, tags: tag, namePrefix: name, limit });
    const latest = await store.latestValuesOfJobs(jobs.map((j) => j.id));
    return { jobs: jobs.map((job) => ({ ...jobView(job), latest: latest.get(job.id) ?? {} })) };
  });

  app.get('/api/v1/jobs/:id', {
    config: { access: ownJob(false) },
    schema: {
      summary: 'A job with its runs and latest metric values',
      params: jobIdParams,
      response: { 200: jobDetailSchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no job with this id' }) },
    },
  }, async (request) => {
    const job = await loadJob(deps, request.params.id);
    const [runs, latest] = await Promise.all([store.listRuns(job.id), store.latestValues(job.id)]);
    // A running run's state in its executor's system (Slurm: PENDING and why), where it says one.
    const withState = (run: (typeof runs)[number]) => {
      const state = run.state === 'running' && run.handle ? deps.control.executorState(run.handle) : null;
      return state ? { ...runView(run), executorState: state } : runView(run);
    };
    return { ...jobView(job), runs: runs.map(withState), latest };
  });

  app.post('/api/v1/jobs/:id/stop', {
    config: { access: ownJob(true) },
    schema: {
      summary: 'Stop a job: SIGTERM, then SIGKILL after its grace period',
      params: jobIdParams,
      response: {
        200: answer('the job: stopping, or stopped when it had not started; an ended job as it was', jobSchema),
        ...errorResponses({ ...BODY, ...AUTH, 404: 'no job with this id' }),
      },
    },
  }, async (request) => {
    return jobView(await deps.control.jobs.requestStop(request.params.id));
  });

  app.get('/api/v1/jobs/:id/checkpoints', {
    config: { access: ownJob(false) },
    schema: {
      summary: 'Registered checkpoints, oldest first, each with its evaluations',
      params: jobIdParams,
      response: { 200: evaluatedCheckpointListSchema, ...errorResponses({ 400: true, ...AUTH, 404: 'no job with this id' }) },
    },
  }, async (request) => {
    await loadJob(deps, request.params.id);
    const [checkpoints, evaluations] = await Promise.all([store.listCheckpoints(request.params.id), store.listEvaluations({ jobId: request.params.id })]);
    const views = await evaluationViews(store, evaluations);
    return { checkpoints: checkpoints.map((c) => ({ ...c, evaluations: views.filter((e) => e.checkpointId === c.id) })) };
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
      response: {
        200: {
          description: 'The bytes of the log from `offset` (at most 1 MiB). Headers: X-Log-Offset, the offset after them (pass it as '
            + "`offset` to read on); X-Run-State, the run's state (`none` before a first run); X-Run-Attempt, its attempt.",
          content: { 'text/plain': { schema: z.string() } },
        },
        ...errorResponses({ 400: true, ...AUTH, 404: 'no job with this id, or no such attempt' }),
      },
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
      // The bytes as read (a character may be split at either end): text/plain, typed as a string.
      .type('text/plain; charset=utf-8').send(text as unknown as string);
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
