/** RunStore over Kysely; no dialect-specific SQL. */
import type { Updateable } from 'kysely';
import { NotFoundError } from '../../core/errors.ts';
import type { RunStore } from '../store.ts';
import { runFromRow } from './rows.ts';
import { readOfJobs } from './of-jobs.ts';
import type { RunTable, StoreDb } from './schema.ts';

export function createRunStore(db: StoreDb): RunStore {
  /** Updates one run; throws `NotFoundError` when it does not exist. */
  async function updateRun(runId: number, set: Updateable<RunTable>): Promise<void> {
    const result = await db.updateTable('runs').set(set).where('id', '=', runId).executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new NotFoundError('run', runId);
  }

  return {
    async getRun(id) {
      const row = await db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? runFromRow(row) : null;
    },

    async listRuns(jobId) {
      const rows = await db.selectFrom('runs').selectAll().where('job_id', '=', jobId).orderBy('attempt').execute();
      return rows.map(runFromRow);
    },

    async listRunsOfJobs(jobIds) {
      return readOfJobs(jobIds, async (chunk) => {
        const rows = await db.selectFrom('runs').selectAll().where('job_id', 'in', chunk).orderBy('job_id').orderBy('attempt').execute();
        return rows.map(runFromRow);
      });
    },

    async listLiveRuns() {
      const rows = await db.selectFrom('runs').selectAll().where('state', '=', 'running').orderBy('id').execute();
      return rows.map(runFromRow);
    },

    async listRunsBetween(from, to) {
      const rows = await db
        .selectFrom('runs')
        .selectAll()
        .where('started_at', '<', to)
        .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', from)]))
        .orderBy('started_at')
        .orderBy('id')
        .execute();
      return rows.map(runFromRow);
    },

    async markRunStarted(runId, handle) {
      await updateRun(runId, { handle_executor: handle.executor, handle_external_id: handle.externalId });
    },

    async recordHeartbeat(runId, now) {
      await updateRun(runId, { last_heartbeat_at: now });
    },

    async getLogOffset(runId) {
      const row = await db.selectFrom('runs').select('log_offset').where('id', '=', runId).executeTakeFirst();
      if (row === undefined) throw new NotFoundError('run', runId);
      return row.log_offset;
    },

    async setLogOffset(runId, offset) {
      await updateRun(runId, { log_offset: offset });
    },
  };
}
