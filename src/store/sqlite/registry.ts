/**
 * RegistryStore over Kysely; no dialect-specific SQL. Each change is one transaction with its
 * `model.*` event; a version's lineage is read from the checkpoint, run, job, dataset and
 * evaluation tables in the transaction that makes it.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.ts';
import type { NewDomainEvent } from '../../core/events.ts';
import type { LineageFrom } from '../../core/init-from.ts';
import type { Job } from '../../core/types.ts';
import { type AliasMove, aliasProblem, LATEST, type LineageDataset, lineageEvaluation, type Model, type ModelAlias, type ModelVersion, type PromotionRule, type VersionLineage } from '../../core/registry.ts';
import type { AliasMoveRequest, AliasMoveResult, RegistryStore } from '../store.ts';
import type { DatasetSchema } from './dataset-schema.ts';
import type { EvaluationSchema } from './evaluation-schema.ts';
import { evaluationFromRow } from './evaluations.ts';
import { appendEvents, type EventNotifier } from './events.ts';
import type { ModelAliasMoveTable, ModelTable, ModelVersionTable, RegistryTables } from './registry-schema.ts';
import { checkpointFromRow, jobFromRow } from './rows.ts';
import type { StoreDb, StoreSchema } from './schema.ts';

/** The tables registry verbs read and write (`moveAliasIn` callers pass a transaction over at least these). */
export type RegistrySchema = StoreSchema & DatasetSchema & RegistryTables & EvaluationSchema;
type Schema = RegistrySchema;
type Db = Kysely<Schema> | Transaction<Schema>;
type ModelRow = Selectable<ModelTable>;
type VersionRow = Selectable<ModelVersionTable>;

export function createRegistryStore(storeDb: StoreDb, notifier: EventNotifier): RegistryStore {
  const db = storeDb.withTables<DatasetSchema & RegistryTables & EvaluationSchema>();

  /** Runs `work` in a transaction and tells event readers after it committed. */
  async function change<T>(work: (trx: Transaction<Schema>) => Promise<T>): Promise<T> {
    const result = await db.transaction().execute(work);
    notifier.notify();
    return result;
  }

  /** Versions with the aliases pointing at each, in the order given. */
  async function withAliases(trx: Db, model: string, rows: readonly VersionRow[]): Promise<ModelVersion[]> {
    if (rows.length === 0) return [];
    const aliases = await trx.selectFrom('model_aliases').select(['version_id', 'alias']).where('version_id', 'in', rows.map((r) => r.id)).orderBy('alias').execute();
    return rows.map((row) => versionFromRow(row, model, aliases.filter((a) => a.version_id === row.id).map((a) => a.alias)));
  }


  /** The lineage of a checkpoint as the store holds it now. */
  async function lineageOf(trx: Db, checkpointId: number): Promise<VersionLineage> {
    const cpRow = await trx.selectFrom('checkpoints').selectAll().where('id', '=', checkpointId).executeTakeFirst();
    if (!cpRow) throw new NotFoundError('checkpoint', checkpointId);
    const cp = checkpointFromRow(cpRow);
    if (cp.deleted) {
      throw new ConflictError(`checkpoint ${cp.id} (job ${cp.jobId}, step ${cp.step}) was deleted by retention and its file is gone: pick one that is kept (\`trainyard checkpoints ${cp.jobId}\`)`);
    }
    const job = jobFromRow(await trx.selectFrom('jobs').selectAll().where('id', '=', cp.jobId).executeTakeFirstOrThrow());
    const run = await trx.selectFrom('runs').select(['id', 'attempt']).where('id', '=', cp.runId).executeTakeFirstOrThrow();
    const datasets = await trx
      .selectFrom('dataset_uses')
      .innerJoin('dataset_versions', 'dataset_versions.id', 'dataset_uses.version_id')
      .select(['dataset_uses.role', 'dataset_versions.name', 'dataset_versions.version', 'dataset_versions.id', 'dataset_versions.sha256'])
      .where('dataset_uses.run_id', '=', cp.runId)
      .orderBy('dataset_uses.role')
      .orderBy('dataset_versions.name')
      .execute();
    const evaluations = await trx.selectFrom('evaluations').selectAll().where('checkpoint_id', '=', cp.id).orderBy('id').execute();
    return {
      checkpoint: { id: cp.id, step: cp.step, path: cp.path, bytes: cp.bytes, metrics: cp.metrics, createdAt: cp.createdAt },
      job: { id: job.id, name: job.spec.name, params: job.spec.params, paramsOverride: job.paramsOverride, from: await lineageFrom(trx, job) },
      run: { id: run.id, attempt: run.attempt },
      datasets: datasets.map((d): LineageDataset => ({ role: d.role, name: d.name, version: d.version, versionId: d.id, sha256: d.sha256 })),
      evaluations: evaluations.map((row) => lineageEvaluation(evaluationFromRow(row))),
    };
  }

  return {
    async createModel(model, by, now) {
      return change(async (trx) => {
        if (await findModel(trx, model.name)) throw new ConflictError(`model ${model.name} exists already`);
        const row = await trx
          .insertInto('models')
          .values({
            name: model.name,
            description: model.description ?? null,
            tags: JSON.stringify(model.tags ?? []),
            promotion_rule: model.promotionRule ? JSON.stringify(model.promotionRule) : null,
            created_at: now,
            created_by: by,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const created = modelFromRow(row);
        await append(trx, [{ type: 'model.created', jobId: null, runId: null, data: { model: created.name, description: created.description, tags: created.tags, by } }], now);
        return created;
      });
    },

    async getModel(name) {
      const row = await findModel(db, name);
      return row ? modelFromRow(row) : null;
    },

    async listModels() {
      const models = await db.selectFrom('models').selectAll().orderBy('name').execute();
      const counts = await db
        .selectFrom('model_versions')
        .select((eb) => ['model_id', eb.fn.max('version').as('latest'), eb.fn.countAll().as('count')])
        .groupBy('model_id')
        .execute();
      const aliases = await db
        .selectFrom('model_aliases')
        .innerJoin('model_versions', 'model_versions.id', 'model_aliases.version_id')
        .select(['model_aliases.model_id', 'model_aliases.alias', 'model_versions.version'])
        .orderBy('model_aliases.alias')
        .execute();
      return models.map((row) => {
        const count = counts.find((c) => c.model_id === row.id);
        return {
          ...modelFromRow(row),
          latest: count ? Number(count.latest) : null,
          versions: count ? Number(count.count) : 0,
          aliases: Object.fromEntries(aliases.filter((a) => a.model_id === row.id).map((a) => [a.alias, a.version])),
        };
      });
    },

    async updateModel(name, patch, by, now) {
      return change(async (trx) => {
        const row = await requireModel(trx, name);
        const next = {
          description: patch.description === undefined ? row.description : patch.description,
          tags: patch.tags === undefined ? row.tags : JSON.stringify(patch.tags),
          promotion_rule: patch.promotionRule === undefined ? row.promotion_rule : patch.promotionRule === null ? null : JSON.stringify(patch.promotionRule),
        };
        const fields = (['description', 'tags', 'promotion_rule'] as const).filter((f) => next[f] !== row[f]).map((f) => (f === 'promotion_rule' ? 'promotionRule' : f));
        if (fields.length === 0) return modelFromRow(row);
        const updated = await trx.updateTable('models').set({ ...next, updated_at: now }).where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
        await append(trx, [{ type: 'model.updated', jobId: null, runId: null, data: { model: name, version: null, fields, by } }], now);
        return modelFromRow(updated);
      });
    },

    async createModelVersion(request, by, now) {
      return change(async (trx) => {
        const model = await requireModel(trx, request.model);
        const existing = await trx.selectFrom('model_versions').selectAll().where('model_id', '=', model.id).where('checkpoint_id', '=', request.checkpointId).executeTakeFirst();
        if (existing) return { version: (await withAliases(trx, model.name, [existing]))[0], created: false };
        const lineage = await lineageOf(trx, request.checkpointId);
        const last = await trx.selectFrom('model_versions').select((eb) => eb.fn.max('version').as('last')).where('model_id', '=', model.id).executeTakeFirst();
        const version = Number(last?.last ?? 0) + 1;
        const row = await trx
          .insertInto('model_versions')
          .values({
            model_id: model.id,
            version,
            checkpoint_id: request.checkpointId,
            notes: request.notes ?? null,
            tags: JSON.stringify(request.tags ?? []),
            lineage: JSON.stringify(lineage),
            created_at: now,
            created_by: by,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await append(trx, [{
          type: 'model.version_created',
          jobId: lineage.job.id,
          runId: lineage.run.id,
          data: { model: model.name, version, checkpointId: request.checkpointId, step: lineage.checkpoint.step, by },
        }], now);
        return { version: versionFromRow(row, model.name, []), created: true };
      });
    },

    async getModelVersion(name, ref) {
      const model = await findModel(db, name);
      if (!model) return null;
      let query = db.selectFrom('model_versions').selectAll('model_versions').where('model_versions.model_id', '=', model.id);
      if (typeof ref === 'number') query = query.where('model_versions.version', '=', ref);
      else if (ref === LATEST) query = query.orderBy('model_versions.version', 'desc').limit(1);
      else {
        query = query
          .innerJoin('model_aliases', 'model_aliases.version_id', 'model_versions.id')
          .where('model_aliases.model_id', '=', model.id)
          .where('model_aliases.alias', '=', ref);
      }
      const row = await query.executeTakeFirst();
      return row ? (await withAliases(db, model.name, [row]))[0] : null;
    },

    async listModelVersions(name) {
      const model = await findModel(db, name);
      if (!model) return [];
      const rows = await db.selectFrom('model_versions').selectAll().where('model_id', '=', model.id).orderBy('version').execute();
      return withAliases(db, model.name, rows);
    },

    async updateModelVersion(name, version, patch, by, now) {
      return change(async (trx) => {
        const model = await requireModel(trx, name);
        const row = await versionByNumber(trx, model, version);
        const next = {
          notes: patch.notes === undefined ? row.notes : patch.notes,
          tags: patch.tags === undefined ? row.tags : JSON.stringify(patch.tags),
        };
        const fields = (['notes', 'tags'] as const).filter((f) => next[f] !== row[f]);
        if (fields.length === 0) return (await withAliases(trx, name, [row]))[0];
        const updated = await trx.updateTable('model_versions').set({ ...next, updated_at: now }).where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
        await append(trx, [{ type: 'model.updated', jobId: null, runId: null, data: { model: name, version, fields, by } }], now);
        return (await withAliases(trx, name, [updated]))[0];
      });
    },

    async listAliases(name) {
      const model = await findModel(db, name);
      if (!model) return [];
      const rows = await db
        .selectFrom('model_aliases')
        .innerJoin('model_versions', 'model_versions.id', 'model_aliases.version_id')
        .select(['model_aliases.alias', 'model_versions.version', 'model_aliases.moved_at', 'model_aliases.moved_by', 'model_aliases.reason'])
        .where('model_aliases.model_id', '=', model.id)
        .orderBy('model_aliases.alias')
        .execute();
      return rows.map(aliasFromRow);
    },

    async moveAlias(request, now) {
      return change((trx) => moveAliasIn(trx, request, now));
    },

    async listAliasMoves(name, alias) {
      const model = await findModel(db, name);
      if (!model) return [];
      let query = db.selectFrom('model_alias_moves').selectAll().where('model_id', '=', model.id).orderBy('id');
      if (alias !== undefined) query = query.where('alias', '=', alias);
      return (await query.execute()).map((row) => moveFromRow(row, model.name));
    },

    async checkpointProtections(jobId) {
      const rows = await db
        .selectFrom('model_versions')
        .innerJoin('models', 'models.id', 'model_versions.model_id')
        .innerJoin('checkpoints', 'checkpoints.id', 'model_versions.checkpoint_id')
        .select(['model_versions.id', 'model_versions.version', 'model_versions.checkpoint_id', 'models.name'])
        .where('checkpoints.job_id', '=', jobId)
        .orderBy('models.name')
        .orderBy('model_versions.version')
        .execute();
      const protections = new Map<number, string[]>();
      if (rows.length === 0) return protections;
      const aliases = await db.selectFrom('model_aliases').select(['version_id', 'alias']).where('version_id', 'in', rows.map((r) => r.id)).orderBy('alias').execute();
      for (const row of rows) {
        const names = aliases.filter((a) => a.version_id === row.id).map((a) => a.alias);
        const reasons = protections.get(row.checkpoint_id) ?? [];
        reasons.push(`model ${row.name} v${row.version}${names.length > 0 ? ` (${names.join(', ')})` : ''}`);
        protections.set(row.checkpoint_id, reasons);
      }
      return protections;
    },
  };
}

/**
 * `RegistryStore.moveAlias` inside a transaction the caller holds: a deployment that succeeds
 * moves its alias in the transaction that records it (store/sqlite/deployments.ts).
 */
export async function moveAliasIn(trx: Transaction<Schema>, request: AliasMoveRequest, now: number): Promise<AliasMoveResult> {
  const problem = aliasProblem(request.alias);
  if (problem) throw new ValidationError(problem, 'alias', { code: 'invalid_alias' });
  const model = await requireModel(trx, request.model);
  const current = await aliasNow(trx, model.id, request.alias);
  const from = current?.version ?? null;
  if (request.expectedFrom !== undefined && request.expectedFrom !== from) {
    throw new ConflictError(`${model.name}@${request.alias} points at ${describe(from)}, not ${describe(request.expectedFrom)}: it was moved meanwhile`);
  }
  const target = request.version === null ? null : await versionByNumber(trx, model, request.version);
  if (from === request.version) return { alias: current, move: null };
  if (target === null) {
    await trx.deleteFrom('model_aliases').where('model_id', '=', model.id).where('alias', '=', request.alias).execute();
  } else {
    const values = { version_id: target.id, moved_at: now, moved_by: request.by, reason: request.reason };
    await trx
      .insertInto('model_aliases')
      .values({ model_id: model.id, alias: request.alias, ...values })
      .onConflict((oc) => oc.columns(['model_id', 'alias']).doUpdateSet(values))
      .execute();
  }
  const moveRow = await trx
    .insertInto('model_alias_moves')
    .values({ model_id: model.id, alias: request.alias, from_version: from, to_version: request.version, by: request.by, reason: request.reason, at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
  const move = moveFromRow(moveRow, model.name);
  await append(trx, [{
    type: 'model.alias_moved',
    jobId: null,
    runId: null,
    data: { model: model.name, alias: move.alias, from: move.from, to: move.to, by: move.by, reason: move.reason, moveId: move.id },
  }], now);
  const alias = request.version === null ? null : { alias: request.alias, version: request.version, movedAt: now, movedBy: request.by, reason: request.reason };
  return { alias, move };
}

const append = (trx: Transaction<Schema>, events: readonly NewDomainEvent[], now: number) => appendEvents(trx as unknown as StoreDb, events, now);

async function findModel(trx: Db, name: string): Promise<ModelRow | undefined> {
  return trx.selectFrom('models').selectAll().where('name', '=', name).executeTakeFirst();
}

async function requireModel(trx: Db, name: string): Promise<ModelRow> {
  const row = await findModel(trx, name);
  if (!row) throw new NotFoundError('model', name);
  return row;
}


async function versionByNumber(trx: Db, model: ModelRow, version: number): Promise<VersionRow> {
  const row = await trx.selectFrom('model_versions').selectAll().where('model_id', '=', model.id).where('version', '=', version).executeTakeFirst();
  if (!row) throw new NotFoundError('model version', `${model.name}@${version}`);
  return row;
}

async function aliasNow(trx: Db, modelId: number, alias: string): Promise<ModelAlias | null> {
  const row = await trx
    .selectFrom('model_aliases')
    .innerJoin('model_versions', 'model_versions.id', 'model_aliases.version_id')
    .select(['model_aliases.alias', 'model_versions.version', 'model_aliases.moved_at', 'model_aliases.moved_by', 'model_aliases.reason'])
    .where('model_aliases.model_id', '=', modelId)
    .where('model_aliases.alias', '=', alias)
    .executeTakeFirst();
  return row ? aliasFromRow(row) : null;
}

/** What the checkpoint's job started from, with the model versions pinning that checkpoint now. */
async function lineageFrom(trx: Db, job: Job): Promise<LineageFrom | null> {
  if (job.initFrom === null || job.spec.from === undefined) return null;
  const versions = await trx
    .selectFrom('model_versions')
    .innerJoin('models', 'models.id', 'model_versions.model_id')
    .select(['models.name', 'model_versions.version'])
    .where('model_versions.checkpoint_id', '=', job.initFrom.checkpointId)
    .orderBy('models.name')
    .orderBy('model_versions.version')
    .execute();
  return { declared: job.spec.from, ...job.initFrom, checkpointVersions: versions.map((v) => ({ model: v.name, version: v.version })) };
}

function describe(version: number | null | undefined): string {
  return version === null || version === undefined ? 'no version' : `version ${version}`;
}

function modelFromRow(row: ModelRow): Model {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    tags: JSON.parse(row.tags) as string[],
    promotionRule: row.promotion_rule === null ? null : (JSON.parse(row.promotion_rule) as PromotionRule),
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
  };
}

function versionFromRow(row: VersionRow, model: string, aliases: readonly string[]): ModelVersion {
  return {
    id: row.id,
    model,
    version: row.version,
    checkpointId: row.checkpoint_id,
    notes: row.notes,
    tags: JSON.parse(row.tags) as string[],
    lineage: lineageFromText(row.lineage),
    aliases,
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
  };
}

/** Versions made before lineage held evaluations stored null there: read as none. */
function lineageFromText(text: string): VersionLineage {
  const lineage = JSON.parse(text) as Omit<VersionLineage, 'evaluations'> & { evaluations: VersionLineage['evaluations'] | null };
  return { ...lineage, evaluations: lineage.evaluations ?? [] };
}

function aliasFromRow(row: { alias: string; version: number; moved_at: number; moved_by: string; reason: string | null }): ModelAlias {
  return { alias: row.alias, version: row.version, movedAt: row.moved_at, movedBy: row.moved_by, reason: row.reason };
}

function moveFromRow(row: Selectable<ModelAliasMoveTable>, model: string): AliasMove {
  return { id: row.id, model, alias: row.alias, from: row.from_version, to: row.to_version, by: row.by, reason: row.reason, at: row.at };
}
