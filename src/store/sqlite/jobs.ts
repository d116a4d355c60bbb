/** JobStore over Kysely; no dialect-specific SQL. */
import type { Updateable } from 'kysely';
import { NotFoundError } from '../../core/errors.ts';
import type { Job, JobSpec, Priority, Progress, RunOutcome, StopReason } from '../../core/types.ts';
import type { JobChange, JobFilter, JobStore, NewRun } from '../store.ts';
import { jobFromRow, outcomeToColumn, runFromRow } from './rows.ts';
import type { JobTable, StoreDb } from './schema.ts';

/** Default of `JobFilter.limit`. */
const DEFAULT_LIST_LIMIT = 100;

/** Outcome given to a job stopped before any run started. */
const STOPPED_WHILE_QUEUED: RunOutcome = Object.freeze({
  kind: 'stopped',
  detail: 'stopped before it started',
  retryable: false,
});

export function createJobStore(db: StoreDb): JobStore {
  async function getJob(id: number): Promise<Job | null> {
    const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? jobFromRow(row) : null;
  }

  return {
    async createJob(spec: JobSpec, now: number) {
      const row = await db
        .insertInto('jobs')
        .values({
          name: spec.name,
          spec: JSON.stringify(spec),
          state: 'queued',
          created_at: now,
          attempts: 0,
          stop_requested: 0,
          priority_class: spec.priority.class,
          priority_value: spec.priority.value,
          queued_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return jobFromRow(row);
    },

    getJob,

    async listJobs(filter = {}) {
      let query = db.selectFrom('jobs').selectAll().orderBy('id', 'desc').limit(filter.limit ?? DEFAULT_LIST_LIMIT);
      if (filter.states !== undefined) {
        if (filter.states.length === 0) return [];
        query = query.where('state', 'in', filter.states);
      }
      return (await query.execute()).map(jobFromRow);
    },

    /** Also clears `stopRequested`: a stop request belongs to the run it was made for. */
    async claimJob(jobId: number, run: NewRun, now: number) {
      return db.transaction().execute(async (trx) => {
        const jobRow = await trx
          .updateTable('jobs')
          .set((eb) => ({
            state: 'running',
            attempts: eb('attempts', '+', 1),
            started_at: eb.fn.coalesce('started_at', eb.val(now)),
            stop_requested: 0,
            stop_reason: null,
          }))
          .where('id', '=', jobId)
          .where('state', '=', 'queued')
          .returningAll()
          .executeTakeFirst();
        if (jobRow === undefined) return null;
        const runRow = await trx
          .insertInto('runs')
          .values({
            job_id: jobId,
            attempt: jobRow.attempts,
            state: 'running',
            started_at: now,
            log_path: run.logPath,
            resumed_from: run.resumedFrom,
            resume_step: run.resumeStep,
            log_offset: 0,
            gpus: JSON.stringify(run.gpus ?? []),
            cpus: run.cpus ?? 0,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return { job: jobFromRow(jobRow), run: runFromRow(runRow) };
      });
    },

    async requestStop(jobId: number, now: number, reason: StopReason = 'stop') {
      return db.transaction().execute(async (trx) => {
        if (reason === 'stop' || reason === 'pause') {
          const held = await trx
            .updateTable('jobs')
            .set(reason === 'stop'
              ? { state: 'stopped', ended_at: now, stop_requested: 1, stop_reason: reason, outcome: outcomeToColumn(STOPPED_WHILE_QUEUED) }
              : { state: 'paused', stop_reason: reason })
            .where('id', '=', jobId)
            .where('state', '=', 'queued')
            .returningAll()
            .executeTakeFirst();
          if (held) return jobFromRow(held);
        }
        // A stop overrides a pause or preemption under way; nothing overrides a stop.
        const ending = await trx
          .updateTable('jobs')
          .set({ state: reason === 'pause' || reason === 'preempt' ? 'pausing' : 'stopping', stop_requested: 1, stop_reason: reason })
          .where('id', '=', jobId)
          .where((eb) => eb.or([
            eb('state', '=', 'running'),
            ...(reason === 'stop' ? [eb('state', '=', 'pausing')] : []),
          ]))
          .returningAll()
          .executeTakeFirst();
        if (ending) return jobFromRow(ending);
        if (reason === 'stop') {
          const paused = await trx
            .updateTable('jobs')
            .set({ state: 'stopped', ended_at: now, stop_requested: 1, stop_reason: reason })
            .where('id', '=', jobId)
            .where('state', '=', 'paused')
            .returningAll()
            .executeTakeFirst();
          if (paused) return jobFromRow(paused);
        }
        const row = await trx.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
        return row ? jobFromRow(row) : null;
      });
    },

    async resumeJob(jobId: number) {
      const row = await db
        .updateTable('jobs')
        .set({ state: 'queued', stop_requested: 0, stop_reason: null, not_before: null })
        .where('id', '=', jobId)
        .where('state', '=', 'paused')
        .returningAll()
        .executeTakeFirst();
      return row ? jobFromRow(row) : getJob(jobId);
    },

    async setPriority(jobId: number, priority: Priority) {
      const row = await db
        .updateTable('jobs')
        .set({ priority_class: priority.class, priority_value: priority.value })
        .where('id', '=', jobId)
        .returningAll()
        .executeTakeFirst();
      return row ? jobFromRow(row) : null;
    },

    async moveToFront(jobId: number) {
      return db.transaction().execute(async (trx) => {
        const first = await trx
          .selectFrom('jobs')
          .select((eb) => eb.fn.min('queued_at').as('first'))
          .where('state', '=', 'queued')
          .executeTakeFirst();
        const front = first?.first === null || first?.first === undefined ? 0 : Number(first.first) - 1;
        const row = await trx
          .updateTable('jobs')
          .set({ queued_at: front })
          .where('id', '=', jobId)
          .where('state', '=', 'queued')
          .returningAll()
          .executeTakeFirst();
        if (row) return jobFromRow(row);
        const existing = await trx.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
        return existing ? jobFromRow(existing) : null;
      });
    },

    async updateJob(jobId: number, change: JobChange) {
      const set: Updateable<JobTable> = {};
      if (change.state !== undefined) set.state = change.state;
      if (change.startedAt !== undefined) set.started_at = change.startedAt;
      if (change.endedAt !== undefined) set.ended_at = change.endedAt;
      if (change.notBefore !== undefined) set.not_before = change.notBefore;
      if (change.outcome !== undefined) set.outcome = outcomeToColumn(change.outcome);
      if (change.stopReason !== undefined) {
        set.stop_reason = change.stopReason;
        set.stop_requested = change.stopReason === null ? 0 : 1;
      }
      if (change.paramsOverride !== undefined) {
        set.params_override = change.paramsOverride === null ? null : JSON.stringify(change.paramsOverride);
      }
      if (Object.keys(set).length === 0) {
        const job = await getJob(jobId);
        if (job === null) throw new NotFoundError('job', jobId);
        return job;
      }
      const row = await db.updateTable('jobs').set(set).where('id', '=', jobId).returningAll().executeTakeFirst();
      if (row === undefined) throw new NotFoundError('job', jobId);
      return jobFromRow(row);
    },

    async setProgress(jobId: number, progress: Partial<Progress>) {
      const set: Updateable<JobTable> = {};
      if (progress.step !== undefined) set.progress_step = progress.step;
      if (progress.total !== undefined) set.progress_total = progress.total;
      if (progress.rate !== undefined) set.progress_rate = progress.rate;
      if (progress.etaSeconds !== undefined) set.progress_eta = progress.etaSeconds;
      const found =
        Object.keys(set).length === 0
          ? (await getJob(jobId)) !== null
          : (await db.updateTable('jobs').set(set).where('id', '=', jobId).executeTakeFirst()).numUpdatedRows > 0n;
      if (!found) throw new NotFoundError('job', jobId);
    },
  };
}
