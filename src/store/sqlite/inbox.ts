/** InboxStore over Kysely; no dialect-specific SQL. */
import type { Selectable, Updateable } from 'kysely';
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type { PriorityClass } from '../../core/types.ts';
import type { InboxFile, InboxFileState, InboxStore } from '../store.ts';
import type { DatasetVersionTable } from './dataset-schema.ts';
import type { EventNotifier } from './events.ts';
import { createJobStore } from './jobs.ts';
import type { InboxFileTable, StoreDb } from './schema.ts';

type InboxFileRow = Selectable<InboxFileTable> & { dataset_name: string | null; dataset_version: number | null };

/** States from which a file may be planned out of `processing/`. */
const EXIT_FROM: readonly InboxFileState[] = ['processing', 'queued', 'leaving'];

/** Records with the name and number of the dataset version each became. */
function selectFiles(db: StoreDb) {
  return db
    .withTables<{ dataset_versions: DatasetVersionTable }>()
    .selectFrom('inbox_files')
    .leftJoin('dataset_versions', 'dataset_versions.id', 'inbox_files.dataset_version_id')
    .selectAll('inbox_files')
    .select(['dataset_versions.name as dataset_name', 'dataset_versions.version as dataset_version']);
}

export function createInboxStore(db: StoreDb, notifier: EventNotifier): InboxStore {
  async function load(trx: StoreDb, id: number): Promise<InboxFileRow> {
    const row = await selectFiles(trx).where('inbox_files.id', '=', id).executeTakeFirst();
    if (row === undefined) throw new NotFoundError('inbox file', id);
    return row;
  }

  async function update(trx: StoreDb, id: number, set: Updateable<InboxFileTable>): Promise<InboxFile> {
    await trx.updateTable('inbox_files').set(set).where('id', '=', id).execute();
    return inboxFileFromRow(await load(trx, id));
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
          .returning('id')
          .executeTakeFirstOrThrow();
        return inboxFileFromRow(await load(trx, row.id));
      });
    },

    async getInboxFile(id) {
      const row = await selectFiles(db).where('inbox_files.id', '=', id).executeTakeFirst();
      return row ? inboxFileFromRow(row) : null;
    },

    async listOpenInboxFiles() {
      const rows = await selectFiles(db).where('inbox_files.state', 'not in', ['done', 'failed']).orderBy('inbox_files.id').execute();
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

    async linkInboxDataset(id, datasetVersionId, now) {
      return db.transaction().execute(async (trx) => {
        const row = await load(trx, id);
        if (row.dataset_version_id === datasetVersionId) return inboxFileFromRow(row);
        if (row.state !== 'processing' || row.dataset_version_id !== null) {
          throw new ConflictError(`inbox file ${id} is ${row.state}${row.dataset_version_id === null ? '' : ` and became dataset version ${row.dataset_version_id}`}; only a processing file can be linked to a dataset version once`);
        }
        return update(trx, id, { dataset_version_id: datasetVersionId, updated_at: now });
      });
    },

    async listInboxFiles(query) {
      const states = query.states;
      if (states !== undefined && states.length === 0) return { files: [], total: 0 };
      let page = selectFiles(db).orderBy('inbox_files.id', 'desc').limit(query.limit).offset(query.offset ?? 0);
      let count = db.selectFrom('inbox_files').select((eb) => eb.fn.countAll<number>().as('n'));
      if (states !== undefined) {
        page = page.where('inbox_files.state', 'in', states);
        count = count.where('state', 'in', states);
      }
      const [rows, total] = await Promise.all([page.execute(), count.executeTakeFirstOrThrow()]);
      return { files: rows.map(inboxFileFromRow), total: Number(total.n) };
    },

    async countInboxFiles() {
      const rows = await db.selectFrom('inbox_files').select(['state', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('state').execute();
      return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
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
    dataset: row.dataset_version_id === null || row.dataset_name === null || row.dataset_version === null
      ? null
      : { id: row.dataset_version_id, name: row.dataset_name, version: row.dataset_version },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
