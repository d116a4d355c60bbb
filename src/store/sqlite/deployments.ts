/**
 * DeploymentStore over Kysely; no dialect-specific SQL. Each change is one transaction with its
 * `deploy_target.*` / `deployment.*` event. A deployment's finish moves the target's alias in
 * the same transaction (`moveAliasIn` of registry.ts), so alias and target agree after any crash.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import {
  type Deployment,
  type DeploymentAliasMove,
  type DeploymentState,
  type DeploymentStep,
  type DeployTargetSpec,
  type DeployTargetState,
  IN_FLIGHT_DEPLOYMENT_STATES,
  type SmokeCheck,
  type WatchPolicy,
} from '../../core/deployment.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.ts';
import type { NewDomainEvent } from '../../core/events.ts';
import { SYSTEM_ACTOR } from '../../core/registry.ts';
import type { DeploymentStore } from '../store.ts';
import type { DeploymentTable, DeploymentTables, DeployTargetTable } from './deployment-schema.ts';
import type { DatasetSchema } from './dataset-schema.ts';
import type { EvaluationSchema } from './evaluation-schema.ts';
import { appendEvents, type EventNotifier } from './events.ts';
import type { RegistryTables } from './registry-schema.ts';
import { moveAliasIn, type RegistrySchema } from './registry.ts';
import type { StoreDb } from './schema.ts';

type Schema = RegistrySchema & DeploymentTables;
type Db = Kysely<Schema> | Transaction<Schema>;
type TargetRow = Selectable<DeployTargetTable>;
type DeploymentRow = Selectable<DeploymentTable>;

export function createDeploymentStore(storeDb: StoreDb, notifier: EventNotifier): DeploymentStore {
  const db = storeDb.withTables<DatasetSchema & RegistryTables & EvaluationSchema & DeploymentTables>();

  async function change<T>(work: (trx: Transaction<Schema>) => Promise<T>): Promise<T> {
    const result = await db.transaction().execute(work);
    notifier.notify();
    return result;
  }

  const append = (trx: Transaction<Schema>, events: readonly NewDomainEvent[], now: number) => appendEvents(trx as unknown as StoreDb, events, now);

  async function requireDeployment(trx: Db, id: number): Promise<DeploymentRow> {
    const row = await trx.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('deployment', id);
    return row;
  }

  async function inFlightOn(trx: Db, target: string): Promise<DeploymentRow | undefined> {
    return trx.selectFrom('deployments').selectAll().where('target', '=', target).where('state', 'in', [...IN_FLIGHT_DEPLOYMENT_STATES]).orderBy('id').executeTakeFirst();
  }

  async function versionRow(trx: Db, model: string, version: number) {
    return trx
      .selectFrom('model_versions')
      .innerJoin('models', 'models.id', 'model_versions.model_id')
      .select(['model_versions.id', 'model_versions.checkpoint_id'])
      .where('models.name', '=', model)
      .where('model_versions.version', '=', version)
      .executeTakeFirst();
  }

  async function aliasVersion(trx: Db, model: string, alias: string): Promise<number | null> {
    const row = await trx
      .selectFrom('model_aliases')
      .innerJoin('models', 'models.id', 'model_aliases.model_id')
      .innerJoin('model_versions', 'model_versions.id', 'model_aliases.version_id')
      .select('model_versions.version')
      .where('models.name', '=', model)
      .where('model_aliases.alias', '=', alias)
      .executeTakeFirst();
    return row?.version ?? null;
  }

  const ref = (row: DeploymentRow) => ({ deploymentId: row.id, target: row.target, model: row.model, version: row.version });

  return {
    async saveDeployTarget(spec, by, now) {
      return change(async (trx) => {
        if (!(await trx.selectFrom('models').select('id').where('name', '=', spec.model).executeTakeFirst())) throw new NotFoundError('model', spec.model);
        const values = {
          kind: spec.kind,
          model: spec.model,
          alias: spec.alias,
          config: JSON.stringify(spec.config),
          smoke: spec.smoke === null ? null : JSON.stringify(spec.smoke),
          watch: JSON.stringify(spec.watch),
          updated_at: now,
        };
        const row = await trx
          .insertInto('deploy_targets')
          .values({ name: spec.name, ...values, current_version: null, current_checkpoint_id: null, current_deployment_id: null, current_since: null, created_at: now })
          .onConflict((oc) => oc.column('name').doUpdateSet(values))
          .returningAll()
          .executeTakeFirstOrThrow();
        await append(trx, [{ type: 'deploy_target.saved', jobId: null, runId: null, data: { name: spec.name, kind: spec.kind, model: spec.model, alias: spec.alias, by } }], now);
        return targetFromRow(row);
      });
    },

    async getDeployTarget(name) {
      const row = await db.selectFrom('deploy_targets').selectAll().where('name', '=', name).executeTakeFirst();
      return row ? targetFromRow(row) : null;
    },

    async listDeployTargets() {
      return (await db.selectFrom('deploy_targets').selectAll().orderBy('name').execute()).map(targetFromRow);
    },

    async removeDeployTarget(name, by, now) {
      return change(async (trx) => {
        const row = await trx.selectFrom('deploy_targets').select('name').where('name', '=', name).executeTakeFirst();
        if (!row) throw new NotFoundError('deploy target', name);
        const busy = await inFlightOn(trx, name);
        if (busy) throw new ConflictError(`deploy target ${name} has deployment ${busy.id} (${busy.model} v${busy.version}) in flight (${busy.state}): remove it once that ended`);
        await trx.deleteFrom('deploy_targets').where('name', '=', name).execute();
        await append(trx, [{ type: 'deploy_target.removed', jobId: null, runId: null, data: { name, by } }], now);
      });
    },

    async requestDeployment(request, now) {
      return change(async (trx) => {
        const target = await trx.selectFrom('deploy_targets').selectAll().where('name', '=', request.target).executeTakeFirst();
        if (!target) throw new NotFoundError('deploy target', request.target);
        if (target.model !== request.model) {
          throw new ValidationError(`deploy target ${target.name} serves model ${target.model}, not ${request.model}`, 'model', { code: 'invalid_input' });
        }
        const version = await versionRow(trx, request.model, request.version);
        if (!version) throw new NotFoundError('model version', `${request.model}@${request.version}`);
        const busy = await inFlightOn(trx, target.name);
        if (busy) throw new ConflictError(`deploy target ${target.name} has deployment ${busy.id} (${busy.model} v${busy.version}) in flight (${busy.state}): one deployment at a time per target`);
        const row = await trx
          .insertInto('deployments')
          .values({
            target: target.name,
            model: request.model,
            version: request.version,
            checkpoint_id: version.checkpoint_id,
            previous_version: target.current_version,
            previous_checkpoint_id: target.current_checkpoint_id,
            state: 'requested',
            steps: JSON.stringify({ requested: now }),
            reason: null,
            failed_step: null,
            cause: request.cause ?? null,
            requested_by: request.requestedBy,
            move_alias: request.moveAlias ? JSON.stringify(request.moveAlias) : null,
            created_at: now,
            ended_at: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await append(trx, [{
          type: 'deployment.requested',
          jobId: null,
          runId: null,
          data: { ...ref(row), previousVersion: row.previous_version, by: row.requested_by, cause: row.cause },
        }], now);
        return deploymentFromRow(row);
      });
    },

    async getDeployment(id) {
      const row = await db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? deploymentFromRow(row) : null;
    },

    async advanceDeployment(id, state, now) {
      return change(async (trx) => {
        const row = await requireDeployment(trx, id);
        if (!IN_FLIGHT_DEPLOYMENT_STATES.includes(row.state as DeploymentState)) return deploymentFromRow(row);
        const steps = { ...JSON.parse(row.steps), [state]: now };
        const updated = await trx.updateTable('deployments').set({ state, steps: JSON.stringify(steps) }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
        await append(trx, [{ type: 'deployment.progressed', jobId: null, runId: null, data: { ...ref(row), step: state } }], now);
        return deploymentFromRow(updated);
      });
    },

    async finishDeployment(id, end, now) {
      return change(async (trx) => {
        const row = await requireDeployment(trx, id);
        if (!IN_FLIGHT_DEPLOYMENT_STATES.includes(row.state as DeploymentState)) return deploymentFromRow(row);
        const target = await trx.selectFrom('deploy_targets').selectAll().where('name', '=', row.target).executeTakeFirst();
        let reason: string | null = end.state === 'succeeded' ? (end.note ?? null) : end.reason;
        const events: NewDomainEvent[] = [];
        if (end.state === 'succeeded' && target) {
          await trx
            .updateTable('deploy_targets')
            .set({ current_version: row.version, current_checkpoint_id: row.checkpoint_id, current_deployment_id: row.id, current_since: now })
            .where('name', '=', row.target)
            .execute();
          const move = row.move_alias === null ? null : (JSON.parse(row.move_alias) as DeploymentAliasMove);
          if (move) {
            const points = await aliasVersion(trx, row.model, move.alias);
            if (points === move.expectedFrom || points === row.version) {
              await moveAliasIn(registryTrx(trx), { model: row.model, alias: move.alias, version: row.version, by: row.requested_by, reason: `deployment ${row.id} on ${row.target} succeeded${row.cause ? ` (${row.cause})` : ''}` }, now);
            } else {
              reason = join(reason, `${row.model}@${move.alias} was moved to ${points === null ? 'nothing' : `version ${points}`} meanwhile: left there`);
            }
          }
        }
        if (end.state === 'rolled-back' && target && target.model === row.model && target.current_version !== null && target.current_version !== row.version) {
          // The alias went first (a person's move the target followed, or a sibling target's
          // success): it goes back to what the target serves, so the two agree.
          if ((await aliasVersion(trx, row.model, target.alias)) === row.version) {
            await moveAliasIn(registryTrx(trx), {
              model: row.model,
              alias: target.alias,
              version: target.current_version,
              by: SYSTEM_ACTOR,
              reason: `deployment ${row.id} of version ${row.version} on ${row.target} rolled back: ${end.reason}`,
              expectedFrom: row.version,
            }, now);
          }
        }
        const failedStep = end.state === 'succeeded' ? null : end.step;
        const steps = { ...JSON.parse(row.steps), [end.state]: now };
        const updated = await trx
          .updateTable('deployments')
          .set({ state: end.state, steps: JSON.stringify(steps), reason, failed_step: failedStep, ended_at: now })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        events.push({ type: 'deployment.finished', jobId: null, runId: null, data: { ...ref(row), state: end.state, reason, failedStep } });
        await append(trx, events, now);
        return deploymentFromRow(updated);
      });
    },

    async listDeployments(filter = {}) {
      let query = db.selectFrom('deployments').selectAll().orderBy('id', 'desc').limit(filter.limit ?? 100);
      if (filter.target !== undefined) query = query.where('target', '=', filter.target);
      if (filter.model !== undefined) query = query.where('model', '=', filter.model);
      return (await query.execute()).map(deploymentFromRow);
    },

    async inFlightDeployments() {
      const rows = await db.selectFrom('deployments').selectAll().where('state', 'in', [...IN_FLIGHT_DEPLOYMENT_STATES]).orderBy('id').execute();
      return rows.map(deploymentFromRow);
    },

    async currentDeployments() {
      const rows = await db.selectFrom('deploy_targets').select(['name', 'model', 'current_version', 'current_checkpoint_id']).orderBy('name').execute();
      return new Map(rows.map((r) => [r.name, r.current_version === null ? null : { model: r.model, version: r.current_version, checkpointId: r.current_checkpoint_id! }]));
    },

    async deploymentProtections(jobId) {
      const protections = new Map<number, string[]>();
      const add = (checkpointId: number | null, why: string) => {
        if (checkpointId === null) return;
        const reasons = protections.get(checkpointId) ?? [];
        if (!reasons.includes(why)) reasons.push(why);
        protections.set(checkpointId, reasons);
      };
      const ofJob = db.selectFrom('checkpoints').select('id').where('job_id', '=', jobId);
      const served = await db
        .selectFrom('deploy_targets')
        .select(['name', 'model', 'current_version', 'current_checkpoint_id'])
        .where('current_checkpoint_id', 'in', ofJob)
        .orderBy('name')
        .execute();
      for (const t of served) add(t.current_checkpoint_id, `deployed on ${t.name} (${t.model} v${t.current_version})`);
      const flying = await db
        .selectFrom('deployments')
        .selectAll()
        .where('state', 'in', [...IN_FLIGHT_DEPLOYMENT_STATES])
        .where((eb) => eb.or([eb('checkpoint_id', 'in', ofJob), eb('previous_checkpoint_id', 'in', ofJob)]))
        .orderBy('id')
        .execute();
      for (const d of flying) {
        add(d.checkpoint_id, `deployment ${d.id} to ${d.target} in flight (${d.model} v${d.version})`);
        add(d.previous_checkpoint_id, `deployment ${d.id} to ${d.target} may revert to it (${d.model} v${d.previous_version})`);
      }
      // Only this job's checkpoints: the in-flight query matched on either column.
      const mine = new Set((await ofJob.execute()).map((r) => r.id));
      for (const id of [...protections.keys()]) if (!mine.has(id)) protections.delete(id);
      return protections;
    },
  };
}

/** The same transaction, typed with the registry's tables only (Kysely's schemas are invariant). */
function registryTrx(trx: Transaction<Schema>): Transaction<RegistrySchema> {
  return trx as unknown as Transaction<RegistrySchema>;
}

function join(a: string | null, b: string): string {
  return a ? `${a}; ${b}` : b;
}

function targetFromRow(row: TargetRow): DeployTargetState {
  return {
    name: row.name,
    kind: row.kind as DeployTargetSpec['kind'],
    model: row.model,
    alias: row.alias,
    config: JSON.parse(row.config) as Record<string, unknown>,
    smoke: row.smoke === null ? null : (JSON.parse(row.smoke) as SmokeCheck),
    watch: JSON.parse(row.watch) as WatchPolicy,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    current: row.current_version === null
      ? null
      : { version: row.current_version, checkpointId: row.current_checkpoint_id!, deploymentId: row.current_deployment_id!, since: row.current_since! },
  };
}

function deploymentFromRow(row: DeploymentRow): Deployment {
  return {
    id: row.id,
    target: row.target,
    model: row.model,
    version: row.version,
    checkpointId: row.checkpoint_id,
    previousVersion: row.previous_version,
    state: row.state as DeploymentState,
    steps: JSON.parse(row.steps) as Deployment['steps'],
    reason: row.reason,
    failedStep: row.failed_step as DeploymentStep | null,
    cause: row.cause,
    requestedBy: row.requested_by,
    moveAlias: row.move_alias === null ? null : (JSON.parse(row.move_alias) as DeploymentAliasMove),
    createdAt: row.created_at,
    endedAt: row.ended_at,
  };
}
