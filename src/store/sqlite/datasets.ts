/** DatasetStore over Kysely; no dialect-specific SQL (a PostgreSQL sibling can reuse it). */
import type { Kysely, Selectable } from 'kysely';
import {
  type DatasetSummary,
  type DatasetUse,
  type DatasetVersion,
  type EvalSetResult,
  type FormatDefinition,
  levelStatuses,
  type StoredFormat,
  type ValidationLevel,
  type ValidationRecord,
  type ValidationReport,
} from '../../core/datasets.ts';
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type { DatasetStore } from '../store.ts';
import type { DatasetFormatTable, DatasetSchema, DatasetValidationTable, DatasetVersionTable } from './dataset-schema.ts';
import { appendEvents, type EventNotifier } from './events.ts';
import type { StoreDb } from './schema.ts';

type Db = Kysely<DatasetSchema>;
type VersionRow = Selectable<DatasetVersionTable>;
type ValidationRow = Omit<Selectable<DatasetValidationTable>, 'report'>;

/** Columns of a validation without its (large) report. */
const RECORD_COLUMNS = ['id', 'version_id', 'level', 'passed', 'errors', 'warnings', 'errors_by_level', 'eval_sets', 'summary', 'created_at'] as const;

export function createDatasetStore(storeDb: StoreDb, notifier: EventNotifier): DatasetStore {
  const db = storeDb.withTables<DatasetSchema>() as unknown as Db;

  /** Versions with their validation records, in the order given. */
  async function withValidations(trx: Db, rows: readonly VersionRow[]): Promise<DatasetVersion[]> {
    if (rows.length === 0) return [];
    const records = await trx
      .selectFrom('dataset_validations')
      .select(RECORD_COLUMNS)
      .where('version_id', 'in', rows.map((r) => r.id))
      .orderBy('id')
      .execute();
    const byVersion = new Map<number, ValidationRecord[]>();
    for (const r of records) {
      const list = byVersion.get(r.version_id) ?? [];
      list.push(recordFromRow(r));
      byVersion.set(r.version_id, list);
    }
    return rows.map((row) => versionFromRow(row, byVersion.get(row.id) ?? []));
  }

  async function insertValidation(trx: Db, versionId: number, report: ValidationReport, now: number): Promise<ValidationRecord> {
    const row = await trx
      .insertInto('dataset_validations')
      .values({
        version_id: versionId,
        level: report.level,
        passed: report.passed ? 1 : 0,
        errors: report.errors,
        warnings: report.warnings,
        errors_by_level: JSON.stringify(report.errorsByLevel),
        eval_sets: JSON.stringify(report.evalSets),
        summary: report.summary,
        report: JSON.stringify(report),
        created_at: now,
      })
      .returning(RECORD_COLUMNS)
      .executeTakeFirstOrThrow();
    if (!report.rowsEstimated) {
      await trx.updateTable('dataset_versions').set({ rows: report.rows, rows_exact: 1 }).where('id', '=', versionId).where('rows_exact', '=', 0).execute();
    }
    return recordFromRow(row);
  }

  async function versionRow(trx: Db, id: number): Promise<VersionRow> {
    const row = await trx.selectFrom('dataset_versions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('dataset version', id);
    return row;
  }

  return {
    async registerDatasetVersion(version, report, now) {
      const registered = await db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom('dataset_versions')
          .selectAll()
          .where('name', '=', version.name)
          .where('sha256', '=', version.sha256)
          .executeTakeFirst();
        if (existing) {
          if (existing.format !== version.format) {
            throw new ConflictError(`${version.name}@${existing.version} holds this content as format ${existing.format}, not ${version.format}`);
          }
          await insertValidation(trx, existing.id, report, now);
          const [v] = await withValidations(trx, [await versionRow(trx, existing.id)]);
          return { version: v, created: false };
        }
        const last = await trx
          .selectFrom('dataset_versions')
          .select((eb) => eb.fn.max('version').as('max'))
          .where('name', '=', version.name)
          .executeTakeFirst();
        const inserted = await trx
          .insertInto('dataset_versions')
          .values({
            name: version.name,
            version: Number(last?.max ?? 0) + 1,
            sha256: version.sha256,
            format: version.format,
            bytes: version.bytes,
            files: version.files,
            rows: report.rows,
            rows_exact: report.rowsEstimated ? 0 : 1,
            source: version.source,
            path: version.path,
            created_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await insertValidation(trx, inserted.id, report, now);
        const [v] = await withValidations(trx, [await versionRow(trx, inserted.id)]);
        // The dataset tables' view of the connection; the events table is on the same one.
        await appendEvents(trx as unknown as StoreDb, [{
          type: 'dataset.version_added',
          jobId: null,
          runId: null,
          data: { versionId: v.id, name: v.name, version: v.version, sha256: v.sha256, format: v.format },
        }], now);
        return { version: v, created: true };
      });
      if (registered.created) notifier.notify();
      return registered;
    },

    async getDataset(name, version) {
      let query = db.selectFrom('dataset_versions').selectAll().where('name', '=', name);
      query = version === undefined ? query.orderBy('version', 'desc').limit(1) : query.where('version', '=', version);
      const row = await query.executeTakeFirst();
      if (!row) return null;
      return (await withValidations(db, [row]))[0];
    },

    async listDatasetVersions(name) {
      const rows = await db.selectFrom('dataset_versions').selectAll().where('name', '=', name).orderBy('version').execute();
      return withValidations(db, rows);
    },

    async listDatasets() {
      const counts = await db
        .selectFrom('dataset_versions')
        .select((eb) => ['name', eb.fn.countAll().as('versions'), eb.fn.max('version').as('latest')])
        .groupBy('name')
        .orderBy('name')
        .execute();
      if (counts.length === 0) return [];
      const rows = await db
        .selectFrom('dataset_versions as v')
        .innerJoin(
          (eb) => eb.selectFrom('dataset_versions').select((e) => ['name', e.fn.max('version').as('latest')]).groupBy('name').as('m'),
          (join) => join.onRef('m.name', '=', 'v.name').onRef('m.latest', '=', 'v.version'),
        )
        .selectAll('v')
        .orderBy('v.name')
        .execute();
      const versions = await withValidations(db, rows);
      const byName = new Map(versions.map((v) => [v.name, v]));
      const out: DatasetSummary[] = [];
      for (const c of counts) {
        const latest = byName.get(c.name);
        if (latest) out.push({ name: c.name, versions: Number(c.versions), latest });
      }
      return out;
    },

    async recordValidation(versionId, report, now) {
      return db.transaction().execute(async (trx) => {
        await versionRow(trx, versionId);
        return insertValidation(trx, versionId, report, now);
      });
    },

    async getValidationReport(validationId) {
      const row = await db.selectFrom('dataset_validations').select('report').where('id', '=', validationId).executeTakeFirst();
      return row ? (JSON.parse(row.report) as ValidationReport) : null;
    },

    async recordDatasetUses(uses, now) {
      if (uses.length === 0) return;
      await db
        .insertInto('dataset_uses')
        .values(uses.map((u) => ({ version_id: u.versionId, run_id: u.runId, job_id: u.jobId, role: u.role, created_at: now })))
        .onConflict((oc) => oc.columns(['version_id', 'run_id', 'role']).doNothing())
        .execute();
    },

    async listDatasetUses(versionId) {
      const rows = await db.selectFrom('dataset_uses').selectAll().where('version_id', '=', versionId).orderBy('created_at').orderBy('run_id').execute();
      return rows.map((r): DatasetUse => ({ versionId: r.version_id, jobId: r.job_id, runId: r.run_id, role: r.role, createdAt: r.created_at }));
    },

    async registerFormat(definition, sha256, now) {
      return db.transaction().execute(async (trx) => {
        const existing = await trx.selectFrom('dataset_formats').selectAll().where('name', '=', definition.name).executeTakeFirst();
        if (existing) {
          if (existing.sha256 !== sha256) {
            throw new ConflictError(`format ${definition.name} is already registered with another definition; formats are immutable: register it under a new name`);
          }
          return formatFromRow(existing);
        }
        const row = await trx
          .insertInto('dataset_formats')
          .values({ name: definition.name, definition: JSON.stringify(definition), sha256, created_at: now })
          .returningAll()
          .executeTakeFirstOrThrow();
        return formatFromRow(row);
      });
    },

    async getFormat(name) {
      const row = await db.selectFrom('dataset_formats').selectAll().where('name', '=', name).executeTakeFirst();
      return row ? formatFromRow(row) : null;
    },

    async listFormats() {
      return (await db.selectFrom('dataset_formats').selectAll().orderBy('name').execute()).map(formatFromRow);
    },
  };
}

function recordFromRow(row: ValidationRow): ValidationRecord {
  return {
    id: row.id,
    versionId: row.version_id,
    level: row.level as ValidationLevel,
    passed: row.passed !== 0,
    errors: row.errors,
    warnings: row.warnings,
    errorsByLevel: JSON.parse(row.errors_by_level) as Record<ValidationLevel, number>,
    evalSets: JSON.parse(row.eval_sets) as EvalSetResult[],
    summary: row.summary,
    createdAt: row.created_at,
  };
}

function versionFromRow(row: VersionRow, validations: readonly ValidationRecord[]): DatasetVersion {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    sha256: row.sha256,
    format: row.format,
    bytes: row.bytes,
    files: row.files,
    rows: row.rows,
    rowsExact: row.rows_exact !== 0,
    source: row.source,
    path: row.path,
    createdAt: row.created_at,
    validations,
    levels: levelStatuses(validations),
  };
}

function formatFromRow(row: Selectable<DatasetFormatTable>): StoredFormat {
  return { name: row.name, definition: JSON.parse(row.definition) as FormatDefinition, sha256: row.sha256, createdAt: row.created_at };
}
