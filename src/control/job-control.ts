/**
 * What people (and the scheduler's watchdogs) ask of jobs: submit, stop, pause, resume,
 * priority, queue order. Each is one store transition; a stop or pause of a running job then
 * signals its process, which ends through the normal run end (end-run.ts). Whether a request
 * fits the job's state is read off the state machine (core/job-machine.ts).
 */
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { transitionsFrom } from '../core/job-machine.ts';
import type { Job, JobSpec, Priority, StopReason } from '../core/types.ts';
import type { ControlContext } from './context.ts';

export interface JobControl {
  /**
   * Stores a validated spec as a queued job (its `job.submitted` event with it). ValidationError
   * (`evaluate.N`) when the spec asks for an eval suite that does not exist, and (`from`, code
   * `invalid_from`) when its `from:` names no live checkpoint (resolved by `store.createJob`).
   * `createdByToken`: the id of the token submitting it over the API (default: null, the server).
   */
  submit(spec: JobSpec, createdByToken?: string | null): Promise<Job>;
  /** Stop, pause (or a watchdog's reason): ends the running run, or holds a queued job. */
  requestStop(jobId: number, reason?: StopReason): Promise<Job>;
  /** Pause: ConflictError unless the job is queued, running, or pausing/paused already. */
  pause(jobId: number): Promise<Job>;
  /** ConflictError unless the job is paused. */
  resume(jobId: number): Promise<Job>;
  setPriority(jobId: number, priority: Priority): Promise<Job>;
  /** ConflictError unless the job is queued. */
  moveToFront(jobId: number): Promise<Job>;
}

export function createJobControl(ctx: ControlContext): JobControl {
  const { store } = ctx;

  async function load(jobId: number): Promise<Job> {
    const job = await store.getJob(jobId);
    if (!job) throw new NotFoundError('job', jobId);
    return job;
  }

  async function requestStop(jobId: number, reason: StopReason = 'stop'): Promise<Job> {
    const job = await store.requestStop(jobId, ctx.now(), reason);
    if (!job) throw new NotFoundError('job', jobId);
    if (job.stopReason === reason || reason === 'stop') {
      for (const entry of ctx.live.values()) {
        if (entry.jobId === jobId) entry.attempt?.stop(job.spec.stopGraceSeconds * 1000);
      }
    }
    ctx.publishJob(job);
    return job;
  }

  return {
    async submit(spec, createdByToken = null) {
      for (const [i, suite] of (spec.evaluate ?? []).entries()) {
        if (!(await store.getEvalSuite(suite))) {
          throw new ValidationError(`no eval suite ${JSON.stringify(suite)}: add it first (trainyard eval suite add FILE)`, `evaluate.${i}`, { code: 'invalid_spec' });
        }
      }
      const job = await store.createJob(spec, ctx.now(), createdByToken);
      ctx.publishJob(job);
      ctx.poke();
      return job;
    },

    requestStop,

    async pause(jobId) {
      const before = await load(jobId);
      const can = transitionsFrom(before.state).some((t) => t === 'hold' || t === 'request-pause');
      if (!can && before.state !== 'pausing' && before.state !== 'paused') {
        throw new ConflictError(`job ${jobId} is ${before.state}: only a queued or running job can be paused`);
      }
      return requestStop(jobId, 'pause');
    },

    async resume(jobId) {
      const before = await load(jobId);
      if (!transitionsFrom(before.state).includes('resume')) {
        throw new ConflictError(`job ${jobId} is ${before.state}: only a paused job can be resumed`);
      }
      const job = await store.resumeJob(jobId, ctx.now());
      if (!job) throw new NotFoundError('job', jobId);
      ctx.publishJob(job);
      ctx.poke();
      return job;
    },

    async setPriority(jobId, priority) {
      const job = await store.setPriority(jobId, priority, ctx.now());
      if (!job) throw new NotFoundError('job', jobId);
      ctx.publishJob(job);
      ctx.poke();
      return job;
    },

    async moveToFront(jobId) {
      const before = await load(jobId);
      if (before.state !== 'queued') throw new ConflictError(`job ${jobId} is ${before.state}: only a queued job can be moved`);
      const job = await store.moveToFront(jobId, ctx.now());
      if (!job) throw new NotFoundError('job', jobId);
      ctx.publishJob(job);
      ctx.poke();
      return job;
    },
  };
}
