/** CheckpointStore over Kysely; no dialect-specific SQL. */
import { NotFoundError } from '../../core/errors.ts';
import type { CheckpointStore } from '../store.ts';
import { checkpointFromRow } from './rows.ts';
import { appendEvents, type EventNotifier } from './events.ts';
import { readOfJobs } from './of-jobs.ts';
import type { StoreDb } from './schema.ts';

export function createCheckpointStore(db: StoreDb, notifier: EventNotifier): CheckpointStore {
  return {
    async registerCheckpoint(cp) {
      const checkpoint = await db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('checkpoints')
          .values({
            job_id: cp.jobId,
            run_id: cp.runId,
            step: cp.step,
            path: cp.path,
            bytes: cp.bytes,
            metrics: JSON.stringify(cp.metrics),
            created_at: cp.createdAt,
            deleted: 0,
          })
          .onConflict((oc) => oc.columns(['job_id', 'path', 'step']).doNothing())
          .executeTakeFirst();
        const row = await trx
          .selectFrom('checkpoints')
          .selectAll()
          .where('job_id', '=', cp.jobId)
          .where('path', '=', cp.path)
          .where('step', '=', cp.step)
          .executeTakeFirstOrThrow();
        const checkpoint = checkpointFromRow(row);
        if (inserted.numInsertedOrUpdatedRows !== 0n) {
          await appendEvents(trx, [{ type: 'checkpoint.registered', jobId: cp.jobId, runId: cp.runId, data: checkpoint }], cp.createdAt);
        }
        return checkpoint;
      });
      notifier.notify();
      return checkpoint;
    },

    async getCheckpoint(id) {
      const row = await db.selectFrom('checkpoints').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? checkpointFromRow(row) : null;
    },

    async listCheckpoints(jobId) {
      const rows = await db
        .selectFrom('checkpoints')
        .selectAll()
        .where('job_id', '=', jobId)
        .orderBy('step')
        .orderBy('id')
        .execute();
      return rows.map(checkpointFromRow);
    },

    async listCheckpointsOfJobs(jobIds) {
      return readOfJobs(jobIds, async (chunk) => {
        const rows = await db.selectFrom('checkpoints').selectAll().where('job_id', 'in', chunk).orderBy('job_id').orderBy('step').orderBy('id').execute();
        return rows.map(checkpointFromRow);
      });
    },

    async latestCheckpoint(jobId) {
      const row = await db
        .selectFrom('checkpoints')
        .selectAll()
        .where('job_id', '=', jobId)
        .where('deleted', '=', 0)
        .orderBy('step', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? checkpointFromRow(row) : null;
    },

    async listLiveCheckpoints(jobId) {
      let query = db.selectFrom('checkpoints').selectAll().where('deleted', '=', 0);
      if (jobId !== undefined) query = query.where('job_id', '=', jobId);
      const rows = await query.orderBy('created_at').orderBy('id').execute();
      return rows.map(checkpointFromRow);
    },

    async markCheckpointDeleted(id, now, reason) {
      await db.transaction().execute(async (trx) => {
        const row = await trx.updateTable('checkpoints').set({ deleted: 1 }).where('id', '=', id).where('deleted', '=', 0).returningAll().executeTakeFirst();
        if (row !== undefined) {
          await appendEvents(trx, [{ type: 'checkpoint.deleted', jobId: row.job_id, runId: row.run_id, data: { checkpointId: id, step: row.step, path: row.path, ...(reason === undefined ? {} : { reason }) } }], now);
        } else if ((await trx.selectFrom('checkpoints').select('id').where('id', '=', id).executeTakeFirst()) === undefined) {
          throw new NotFoundError('checkpoint', id);
        }
      });
      notifier.notify();
    },
  };
}
