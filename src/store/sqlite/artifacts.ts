/** ArtifactStore over Kysely; no dialect-specific SQL. Each attach is one transaction with its event. */
import type { Selectable } from 'kysely';
import type { Artifact, ArtifactKind } from '../../core/artifacts.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { ArtifactStore } from '../artifact-store.ts';
import type { ArtifactSchema, ArtifactTable } from './artifact-schema.ts';
import { appendEvents, type EventNotifier } from './events.ts';
import { readOfJobs } from './of-jobs.ts';
import type { StoreDb } from './schema.ts';

function artifactFromRow(row: Selectable<ArtifactTable>): Artifact {
  return {
    id: row.id,
    jobId: row.job_id,
    runId: row.run_id,
    name: row.name,
    kind: row.kind as ArtifactKind,
    step: row.step,
    mediaType: row.media_type,
    bytes: row.bytes,
    sha256: row.sha256,
    createdAt: row.created_at,
  };
}

export function createArtifactStore(storeDb: StoreDb, notifier: EventNotifier): ArtifactStore {
  const db = storeDb.withTables<ArtifactSchema>();

  return {
    async attachArtifact(a, now) {
      const result = await db.transaction().execute(async (trx) => {
        const run = await trx.selectFrom('runs').select(['id', 'job_id']).where('id', '=', a.runId).executeTakeFirst();
        if (!run || run.job_id !== a.jobId) throw new NotFoundError(`run of job ${a.jobId}`, a.runId);
        let same = trx
          .selectFrom('artifacts')
          .selectAll()
          .where('run_id', '=', a.runId)
          .where('name', '=', a.name)
          .where('sha256', '=', a.sha256);
        same = a.step === null ? same.where('step', 'is', null) : same.where('step', '=', a.step);
        const existing = await same.orderBy('id').executeTakeFirst();
        if (existing) return { artifact: artifactFromRow(existing), created: false };
        const row = await trx
          .insertInto('artifacts')
          .values({
            job_id: a.jobId, run_id: a.runId, name: a.name, kind: a.kind, step: a.step,
            media_type: a.mediaType, bytes: a.bytes, sha256: a.sha256, created_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const artifact = artifactFromRow(row);
        await appendEvents(trx as unknown as StoreDb, [{
          type: 'artifact.attached',
          jobId: a.jobId,
          runId: a.runId,
          data: { artifactId: artifact.id, name: a.name, kind: a.kind, step: a.step, mediaType: a.mediaType, bytes: a.bytes, sha256: a.sha256 },
        }], now);
        return { artifact, created: true };
      });
      if (result.created) notifier.notify();
      return result;
    },

    async getArtifact(id) {
      const row = await db.selectFrom('artifacts').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? artifactFromRow(row) : null;
    },

    async listArtifacts(jobId, filter = {}) {
      let query = db.selectFrom('artifacts').selectAll().where('job_id', '=', jobId);
      if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
      if (filter.step !== undefined) query = query.where('step', '=', filter.step);
      if (filter.runId !== undefined) query = query.where('run_id', '=', filter.runId);
      if (filter.name !== undefined) query = query.where('name', '=', filter.name);
      return (await query.orderBy('id').execute()).map(artifactFromRow);
    },

    async listArtifactsOfJobs(jobIds) {
      return readOfJobs(jobIds, async (chunk) => {
        const rows = await db.selectFrom('artifacts').selectAll().where('job_id', 'in', chunk).orderBy('job_id').orderBy('id').execute();
        return rows.map(artifactFromRow);
      });
    },
  };
}
