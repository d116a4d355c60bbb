/** JobStore over Kysely; no dialect-specific SQL. */
import type { Updateable } from 'kysely';
import { NotFoundError } from '../../core/errors.ts';
import type { Job, JobSpec, Progress, RunOutcome } from '../../core/types.ts';
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
        .values({ name: spec.name, spec: JSON.stringify(spec), state: 'queued', created_at: now, attempts: 0, stop_requested: 0 })
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
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return { job: jobFromRow(jobRow), run: runFromRow(runRow) };
      });
    },

    async requestStop(jobId: number, now: number) {
      return db.transaction().execute(async (trx) => {
        const stopped = await trx
          .updateTable('jobs')
          .set({ state: 'stopped', ended_at: now, stop_requested: 1, outcome: outcomeToColumn(STOPPED_WHILE_QUEUED) })
          .where('id', '=', jobId)
          .where('state', '=', 'queued')
          .returningAll()
          .executeTakeFirst();
        if (stopped) return jobFromRow(stopped);
        const stopping = await trx
          .updateTable('jobs')
          .set({ state: 'stopping', stop_requested: 1 })
          .where('id', '=', jobId)
          .where('state', '=', 'running')
          .returningAll()
          .executeTakeFirst();
        if (stopping) return jobFromRow(stopping);
        const row = await trx.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
        return row ? jobFromRow(row) : null;
      });
    },

    async updateJob(jobId: number, change: JobChange) {
      const set: Updateable<JobTable> = {};
      if (change.state !== undefined) set.state = change.state;
      if (change.startedAt !== undefined) set.started_at = change.startedAt;
      if (change.endedAt !== undefined) set.ended_at = change.endedAt;
      if (change.notBefore !== undefined) set.not_before = change.notBefore;
      if (change.outcome !== undefined) set.outcome = outcomeToColumn(change.outcome);
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
