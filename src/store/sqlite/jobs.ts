/** JobStore over Kysely; no dialect-specific SQL. */
import { sql, type Updateable, type UpdateObject } from 'kysely';
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type { NewDomainEvent } from '../../core/events.ts';
import { allows, JOB_TRANSITIONS, type JobTransition } from '../../core/job-machine.ts';
import { effectiveParams } from '../../core/remedies.ts';
import type { Job, JobSpec, JobState, Priority, Progress, RunOutcome, StopReason } from '../../core/types.ts';
import type { JobChange, JobFilter, JobStore, NewRun, RunEndChange } from '../store.ts';
import { appendEvents, type EventNotifier } from './events.ts';
import { initFromProtections, resolveInitFrom } from './init-from.ts';
import { jobFromRow, outcomeToColumn, runFromRow, type JobRow } from './rows.ts';
import type { JobTable, StoreDb, StoreSchema } from './schema.ts';

/** Default of `JobFilter.limit`. */
const DEFAULT_LIST_LIMIT = 100;

/** Outcome given to a job stopped before any run started. */
const STOPPED_WHILE_QUEUED: RunOutcome = Object.freeze({
  kind: 'stopped',
  detail: 'stopped before it started',
  retryable: false,
});

/**
 * Runs `work` in a transaction, or in the caller's when `db` is one already (inbox submit), and
 * tells event readers after a commit of its own.
 */
async function inTransaction<T>(db: StoreDb, notifier: EventNotifier, work: (trx: StoreDb) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db);
  const result = await db.transaction().execute(work);
  notifier.notify();
  return result;
}

interface Applied {
  readonly row: JobRow;
  readonly from: JobState;
}

/**
 * One transition of the job machine inside `trx`: reads the job's state, applies `set` only if
 * `transition` starts from that state (the update is guarded by the state it read, so a
 * concurrent change wins cleanly), and appends `job.state_changed`. Null when the job is missing
 * or the transition does not start from its state; ConflictError when the table forbids `to`.
 */
async function applyTransition(
  trx: StoreDb,
  jobId: number,
  transition: JobTransition,
  to: JobState,
  set: UpdateObject<StoreSchema, 'jobs'>,
  now: number,
  detail: { readonly reason?: StopReason; readonly outcome?: RunOutcome | null; readonly runId?: number } = {},
): Promise<Applied | null> {
  const current = await trx.selectFrom('jobs').select('state').where('id', '=', jobId).executeTakeFirst();
  if (current === undefined) return null;
  const from = current.state as JobState;
  if (!JOB_TRANSITIONS[transition].from.includes(from)) return null;
  if (!allows(transition, from, to)) throw new ConflictError(`job ${jobId}: ${transition} cannot lead from ${from} to ${to}`);
  const row = await trx
    .updateTable('jobs')
    .set({ ...set, state: to })
    .where('id', '=', jobId)
    .where('state', '=', from)
    .returningAll()
    .executeTakeFirst();
  if (row === undefined) return null;
  const { runId = null, ...data } = detail;
  await appendEvents(trx, [{ type: 'job.state_changed', jobId, runId, data: { from, to, transition, ...data } }], now);
  return { row, from };
}

/** The column changes of a `JobChange` (state excluded: transitions set it). */
function jobChangeColumns(change: JobChange): Updateable<JobTable> {
  const set: Updateable<JobTable> = {};
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
  return set;
}

function progressColumns(progress: Partial<Progress>): Updateable<JobTable> {
  const set: Updateable<JobTable> = {};
  if (progress.step !== undefined) set.progress_step = progress.step;
  if (progress.total !== undefined) set.progress_total = progress.total;
  if (progress.rate !== undefined) set.progress_rate = progress.rate;
  if (progress.etaSeconds !== undefined) set.progress_eta = progress.etaSeconds;
  if (progress.message !== undefined) set.progress_message = progress.message;
  return set;
}

/** Scheduling rank of a priority class, as SQL: high 0, normal 1, low 2 (scheduler/ordering.ts). */
const CLASS_RANK = sql<number>`case priority_class when 'high' then 0 when 'normal' then 1 else 2 end`;

export function createJobStore(db: StoreDb, notifier: EventNotifier): JobStore {
  async function getJob(id: number, from: StoreDb = db): Promise<Job | null> {
    const row = await from.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? jobFromRow(row) : null;
  }

  /** Runs one transaction that may append events, and tells readers after it committed. */
  const transaction = <T>(work: (trx: StoreDb) => Promise<T>) => inTransaction(db, notifier, work);

  return {
    async createJob(spec: JobSpec, now: number, createdByToken: string | null = null) {
      return transaction(async (trx) => {
        // Resolved here, once: a later alias move or checkpoint does not change a submitted job.
        const initFrom = spec.from === undefined ? null : await resolveInitFrom(trx, spec.from);
        const row = await trx
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
            init_from_checkpoint_id: initFrom?.checkpointId ?? null,
            init_from: initFrom === null ? null : JSON.stringify(initFrom),
            created_by_token: createdByToken,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const tags = [...new Set(spec.tags)];
        if (tags.length > 0) await trx.insertInto('job_tags').values(tags.map((tag) => ({ job_id: row.id, tag }))).execute();
        await appendEvents(trx, [{ type: 'job.submitted', jobId: row.id, runId: null, data: { name: spec.name, state: 'queued', tags: spec.tags } }], now);
        return jobFromRow(row);
      });
    },

    getJob: (id) => getJob(id),

    initFromProtections: (jobId) => initFromProtections(db, jobId),

    async listJobs(filter = {}) {
      let query = db.selectFrom('jobs').selectAll().orderBy('id', 'desc').limit(filter.limit ?? DEFAULT_LIST_LIMIT);
      if (filter.states !== undefined) {
        if (filter.states.length === 0) return [];
        query = query.where('state', 'in', filter.states);
      }
      const tags = [...new Set(filter.tags ?? [])];
      if (tags.length > 0) {
        query = query.where('id', 'in', db
          .selectFrom('job_tags')
          .select('job_id')
          .where('tag', 'in', tags)
          .groupBy('job_id')
          .having((eb) => eb.fn.countAll(), '=', tags.length));
      }
      if (filter.namePrefix) {
        // substr/length count characters (code points) in SQLite and PostgreSQL alike; LIKE
        // would ignore case in SQLite and treat % and _ as wildcards.
        const prefix = filter.namePrefix;
        query = query.where(sql<boolean>`substr(name, 1, ${[...prefix].length}) = ${prefix}`);
      }
      return (await query.execute()).map(jobFromRow);
    },

    async listQueuedJobs() {
      const rows = await db
        .selectFrom('jobs')
        .selectAll()
        .where('state', '=', 'queued')
        .orderBy(CLASS_RANK)
        .orderBy('priority_value', 'desc')
        .orderBy(sql`coalesce(queued_at, created_at)`)
        .orderBy('id')
        .execute();
      return rows.map(jobFromRow);
    },

    /** Also clears `stopRequested`: a stop request belongs to the run it was made for. */
    async claimJob(jobId: number, run: NewRun, now: number) {
      return transaction(async (trx) => {
        const applied = await applyTransition(trx, jobId, 'claim', 'running', {
          attempts: sql<number>`attempts + 1`,
          started_at: sql<number>`coalesce(started_at, ${now})`,
          stop_requested: 0,
          stop_reason: null,
        }, now);
        if (applied === null) return null;
        const jobRow = applied.row;
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
            params: JSON.stringify(effectiveParams(jobFromRow(jobRow))),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        if (run.token) {
          await trx.insertInto('tokens').values({
            id: run.token.id,
            secret_hash: run.token.secretHash,
            role: 'run',
            run_id: runRow.id,
            job_id: jobId,
            created_at: now,
            name: null,
            upstream_job_ids: JSON.stringify(run.token.upstreamJobIds ?? []),
          }).execute();
        }
        await appendEvents(trx, [{
          type: 'run.started',
          jobId,
          runId: runRow.id,
          data: { attempt: runRow.attempt, gpus: run.gpus ?? [], cpus: run.cpus ?? 0, resumedFrom: run.resumedFrom, resumeStep: run.resumeStep },
        }], now);
        return { job: jobFromRow(jobRow), run: runFromRow(runRow) };
      });
    },

    async requestStop(jobId: number, now: number, reason: StopReason = 'stop') {
      return transaction(async (trx) => {
        const ask = { stop_requested: 1, stop_reason: reason } as const;
        const tries: Array<[JobTransition, JobState, UpdateObject<StoreSchema, 'jobs'>]> =
          reason === 'stop' ? [
            ['cancel', 'stopped', { ...ask, ended_at: now, outcome: outcomeToColumn(STOPPED_WHILE_QUEUED) }],
            ['request-stop', 'stopping', ask],
          ]
          : reason === 'pause' ? [['hold', 'paused', { stop_reason: reason }], ['request-pause', 'pausing', ask]]
          : reason === 'preempt' ? [['request-pause', 'pausing', ask]]
          // Watchdogs end a running run only: a stop or pause under way is left to finish.
          : [['request-stop', 'stopping', ask]];
        const current = await getJob(jobId, trx);
        if (current === null) return null;
        for (const [transition, to, set] of tries) {
          if (reason !== 'stop' && transition === 'request-stop' && current.state !== 'running') continue;
          // A paused job that is stopped keeps the outcome of the run that paused it.
          const columns = transition === 'cancel' && current.state === 'paused' ? { ...set, outcome: undefined } : set;
          const applied = await applyTransition(trx, jobId, transition, to, columns, now, { reason });
          if (applied) return jobFromRow(applied.row);
        }
        return current;
      });
    },

    async resumeJob(jobId: number, now: number) {
      return transaction(async (trx) => {
        const applied = await applyTransition(trx, jobId, 'resume', 'queued', { stop_requested: 0, stop_reason: null, not_before: null }, now);
        return applied ? jobFromRow(applied.row) : getJob(jobId, trx);
      });
    },

    async failUnstartedJob(jobId: number, outcome: RunOutcome, now: number) {
      return transaction(async (trx) => {
        const applied = await applyTransition(trx, jobId, 'fail-unstarted', 'failed', { ended_at: now, outcome: outcomeToColumn(outcome) }, now, { outcome });
        return applied ? jobFromRow(applied.row) : null;
      });
    },

    async endRun(runId: number, end: RunEndChange) {
      const now = end.run.endedAt;
      return transaction(async (trx) => {
        const runRow = await trx
          .updateTable('runs')
          .set({
            state: end.run.state,
            exit_code: end.run.exitCode,
            signal: end.run.signal,
            outcome: outcomeToColumn(end.run.outcome),
            ended_at: end.run.endedAt,
            peak_gpu_memory_mib: end.run.peakGpuMemoryMiB ?? null,
          })
          .where('id', '=', runId)
          .where('state', '=', 'running')
          .returningAll()
          .executeTakeFirst();
        if (runRow === undefined) return null;
        await trx.deleteFrom('tokens').where('run_id', '=', runId).execute();
        await appendEvents(trx, [{
          type: 'run.ended',
          jobId: runRow.job_id,
          runId,
          data: { attempt: runRow.attempt, state: end.run.state, outcome: end.run.outcome, exitCode: end.run.exitCode, signal: end.run.signal, peakGpuMemoryMiB: runRow.peak_gpu_memory_mib },
        }], now);
        const set = { ...jobChangeColumns(end.job), ...progressColumns(end.progress ?? {}) };
        const applied = await applyTransition(trx, runRow.job_id, 'run-ended', end.job.state, set, now, { outcome: end.job.outcome ?? end.run.outcome, runId });
        if (applied === null) {
          const job = await getJob(runRow.job_id, trx);
          throw new ConflictError(`run ${runId} ended but its job ${runRow.job_id} is ${job?.state ?? 'missing'}, not live (run-ended starts from ${JOB_TRANSITIONS['run-ended'].from.join(', ')})`);
        }
        return { job: jobFromRow(applied.row), run: runFromRow(runRow) };
      });
    },

    async setPriority(jobId: number, priority: Priority, now: number) {
      return transaction(async (trx) => {
        const row = await trx
          .updateTable('jobs')
          .set({ priority_class: priority.class, priority_value: priority.value })
          .where('id', '=', jobId)
          .returningAll()
          .executeTakeFirst();
        if (row === undefined) return null;
        await appendEvents(trx, [priorityChanged(row)], now);
        return jobFromRow(row);
      });
    },

    async moveToFront(jobId: number, now: number) {
      return transaction(async (trx) => {
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
        if (row === undefined) return getJob(jobId, trx);
        await appendEvents(trx, [priorityChanged(row)], now);
        return jobFromRow(row);
      });
    },

    async setProgress(jobId: number, progress: Partial<Progress>) {
      const set = progressColumns(progress);
      const found =
        Object.keys(set).length === 0
          ? (await getJob(jobId)) !== null
          : (await db.updateTable('jobs').set(set).where('id', '=', jobId).executeTakeFirst()).numUpdatedRows > 0n;
      if (!found) throw new NotFoundError('job', jobId);
    },
  };
}

function priorityChanged(row: JobRow): NewDomainEvent {
  const job = jobFromRow(row);
  return { type: 'job.priority_changed', jobId: job.id, runId: null, data: { priority: job.priority, queuedAt: job.queuedAt } };
}
