/**
 * The EventRetentionStore of the embedded store over Kysely: bounded deletes of old, delivered
 * events (the `events_at` index of migration 0037 finds them without a scan), the table's size,
 * and the ended jobs whose logs retention may trim.
 */
import type { EventRetentionStore } from '../store.ts';
import type { StoreDb } from './schema.ts';

const ENDED_STATES = ['succeeded', 'failed', 'stopped'];

export function createEventRetentionStore(db: StoreDb): EventRetentionStore {
  return {
    async deleteOldEvents({ before, upToId, limit }) {
      if (limit <= 0) return 0;
      const result = await db
        .deleteFrom('events')
        .where('id', 'in', (eb) => eb
          .selectFrom('events')
          .select('id')
          .where('at', '<', before)
          .where('id', '<=', upToId)
          .orderBy('id')
          .limit(limit))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async eventTableStats() {
      const count = await db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const oldest = await db.selectFrom('events').select(['id', 'at']).orderBy('id').limit(1).executeTakeFirst();
      return { rows: Number(count.n), oldest: oldest ? { id: oldest.id, at: oldest.at } : null };
    },

    async listEndedJobLogs({ endedBefore, after, limit }) {
      let query = db
        .selectFrom('jobs')
        .select(['id', 'ended_at'])
        .where('state', 'in', ENDED_STATES)
        .where('ended_at', 'is not', null)
        .where('ended_at', '<', endedBefore)
        .orderBy('ended_at')
        .orderBy('id')
        .limit(limit);
      if (after) query = query.where((eb) => eb.or([eb('ended_at', '>', after.endedAt), eb.and([eb('ended_at', '=', after.endedAt), eb('id', '>', after.jobId)])]));
      const jobs = await query.execute();
      if (jobs.length === 0) return [];
      const runs = await db.selectFrom('runs').select(['job_id', 'log_path']).where('job_id', 'in', jobs.map((j) => j.id)).orderBy('attempt').execute();
      return jobs.map((j) => ({ jobId: j.id, endedAt: j.ended_at as number, logPaths: runs.filter((r) => r.job_id === j.id).map((r) => r.log_path) }));
    },
  };
}
