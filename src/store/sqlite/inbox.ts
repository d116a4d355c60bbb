/** InboxStore over Kysely; no dialect-specific SQL. */
import type { Selectable, Updateable } from 'kysely';
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type { PriorityClass } from '../../core/types.ts';
import type { InboxFile, InboxFileState, InboxStore } from '../store.ts';
import type { EventNotifier } from './events.ts';
import { createJobStore } from './jobs.ts';
import type { InboxFileTable, StoreDb } from './schema.ts';

type InboxFileRow = Selectable<InboxFileTable>;

/** States from which a file may be planned out of `processing/`. */
const EXIT_FROM: readonly InboxFileState[] = ['processing', 'queued', 'leaving'];

export function createInboxStore(db: StoreDb, notifier: EventNotifier): InboxStore {
  async function load(trx: StoreDb, id: number): Promise<InboxFileRow> {
    const row = await trx.selectFrom('inbox_files').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) throw new NotFoundError('inbox file', id);
    return row;
  }

  async function update(trx: StoreDb, id: number, set: Updateable<InboxFileTable>): Promise<InboxFile> {
    const row = await trx.updateTable('inbox_files').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    return inboxFileFromRow(row);
  }

  return {
    async recordInboxFile(file, now) {
      return db.transaction().execute(async (trx) => {
        const original = await trx
          .selectFrom('inbox_files')
          .select('id')
          .where('sha256', '=', file.sha256)
          .where((eb) => eb.or([eb('outcome', 'is', null), eb('outcome', '!=', 'failed')]))
          .orderBy('id')
          .executeTakeFirst();
        const row = await trx
          .insertInto('inbox_files')
          .values({
            name: file.name,
            sha256: file.sha256,
            priority: file.priority,
            state: 'arriving',
            path: file.path,
            next_path: file.nextPath,
            duplicate_of: original?.id ?? null,
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return inboxFileFromRow(row);
      });
    },

    async getInboxFile(id) {
      const row = await db.selectFrom('inbox_files').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? inboxFileFromRow(row) : null;
    },

    async listOpenInboxFiles() {
      const rows = await db.selectFrom('inbox_files').selectAll().where('state', 'not in', ['done', 'failed']).orderBy('id').execute();
      return rows.map(inboxFileFromRow);
    },

    async submitInboxJob(id, spec, now) {
      const submitted = await db.transaction().execute(async (trx) => {
        const row = await load(trx, id);
        if (row.state !== 'processing') return null;
        // The same code path as every other submission (and its event), inside this transaction.
        const job = await createJobStore(trx, notifier).createJob(spec, now);
        const file = await update(trx, id, { state: 'queued', job_id: job.id, updated_at: now });
        return { file, job };
      });
      if (submitted) notifier.notify();
      return submitted;
    },

    async planInboxExit(id, exit, now) {
      return db.transaction().execute(async (trx) => {
        const row = await load(trx, id);
        if (!EXIT_FROM.includes(row.state as InboxFileState)) {
          throw new ConflictError(`inbox file ${id} is ${row.state}; only a file in processing/ can leave it`);
        }
        return update(trx, id, {
          state: 'leaving',
          next_path: exit.nextPath,
          outcome: exit.outcome,
          reason: exit.reason,
          report: exit.report,
          updated_at: now,
        });
      });
    },

    async completeInboxMove(id, now) {
      return db.transaction().execute(async (trx) => {
        const row = await load(trx, id);
        if (row.state !== 'arriving' && row.state !== 'leaving') {
          throw new ConflictError(`inbox file ${id} is ${row.state}; no move is planned`);
        }
        const state = row.state === 'arriving' ? 'processing' : (row.outcome ?? 'failed');
        return update(trx, id, { state, path: row.next_path, next_path: null, updated_at: now });
      });
    },

    async forgetInboxFile(id) {
      await db.deleteFrom('inbox_files').where('id', '=', id).where('state', '=', 'arriving').execute();
    },
  };
}

function inboxFileFromRow(row: InboxFileRow): InboxFile {
  return {
    id: row.id,
    name: row.name,
    sha256: row.sha256,
    priority: row.priority as PriorityClass,
    state: row.state as InboxFileState,
    path: row.path,
    nextPath: row.next_path,
    jobId: row.job_id,
    duplicateOf: row.duplicate_of,
    outcome: row.outcome as InboxFile['outcome'],
    reason: row.reason,
    report: row.report,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
