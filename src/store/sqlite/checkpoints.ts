/** CheckpointStore over Kysely; no dialect-specific SQL. */
import { NotFoundError } from '../../core/errors.ts';
import type { CheckpointStore } from '../store.ts';
import { checkpointFromRow } from './rows.ts';
import type { StoreDb } from './schema.ts';

export function createCheckpointStore(db: StoreDb): CheckpointStore {
  return {
    async registerCheckpoint(cp) {
      return db.transaction().execute(async (trx) => {
        await trx
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
          .execute();
        const row = await trx
          .selectFrom('checkpoints')
          .selectAll()
          .where('job_id', '=', cp.jobId)
          .where('path', '=', cp.path)
          .where('step', '=', cp.step)
          .executeTakeFirstOrThrow();
        return checkpointFromRow(row);
      });
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

    async markCheckpointDeleted(id) {
      const result = await db.updateTable('checkpoints').set({ deleted: 1 }).where('id', '=', id).executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new NotFoundError('checkpoint', id);
    },
  };
}
