/** AutomationStore over Kysely; no dialect-specific SQL. Each change is one transaction with its event. */
import type { Selectable, Transaction } from 'kysely';
import type { ActionKind, AutomationRule, Firing, FiringState, RuleSource, StoredRule } from '../../core/automation.ts';
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type { AutomationFiringRef, NewDomainEvent } from '../../core/events.ts';
import type { AutomationStore } from '../automation-store.ts';
import type { AutomationFiringTable, AutomationRuleTable, AutomationSchema } from './automation-schema.ts';
import { appendEvents, type EventNotifier } from './events.ts';
import type { StoreDb, StoreSchema } from './schema.ts';

const FIRED_STATES = ['running', 'succeeded', 'failed'];

function ruleFromRow(row: Selectable<AutomationRuleTable>): StoredRule {
  return { name: row.name, rule: JSON.parse(row.spec) as AutomationRule, enabled: row.enabled === 1, source: row.source as RuleSource, updatedAt: row.updated_at };
}

function firingFromRow(row: Selectable<AutomationFiringTable>): Firing {
  return {
    id: row.id, rule: row.rule, eventId: row.event_id, scheduledAt: row.scheduled_at, action: row.action as ActionKind,
    state: row.state as FiringState, detail: row.detail, madeJobId: row.made_job_id, madeDeploymentId: row.made_deployment_id,
    depth: row.depth, startedAt: row.started_at, endedAt: row.ended_at,
  };
}

function refOf(f: Firing): AutomationFiringRef {
  return { firingId: f.id, rule: f.rule, action: f.action, eventId: f.eventId, scheduledAt: f.scheduledAt, depth: f.depth };
}

export function createAutomationStore(storeDb: StoreDb, notifier: EventNotifier): AutomationStore {
  const db = storeDb.withTables<AutomationSchema>();
  type Trx = Transaction<StoreSchema & AutomationSchema>;
  const append = (trx: Trx, events: NewDomainEvent[], now: number) => appendEvents(trx as unknown as StoreDb, events, now);
  const finishedEvent = (f: Firing): NewDomainEvent => ({
    type: 'automation.finished', jobId: null, runId: null,
    data: { ...refOf(f), state: f.state as 'succeeded', detail: f.detail, durationMs: (f.endedAt ?? f.startedAt) - f.startedAt },
  });

  async function upsert(trx: Trx, rule: AutomationRule, enabled: boolean, source: RuleSource, now: number): Promise<void> {
    const values = { name: rule.name, spec: JSON.stringify(rule), enabled: enabled ? 1 : 0, source, updated_at: now };
    await trx.insertInto('automation_rules').values(values).onConflict((oc) => oc.column('name').doUpdateSet({ spec: values.spec, enabled: values.enabled, source, updated_at: now })).execute();
  }

  async function loadRule(name: string): Promise<StoredRule> {
    const row = await db.selectFrom('automation_rules').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new NotFoundError('rule', name);
    return ruleFromRow(row);
  }

  return {
    async listRules() {
      return (await db.selectFrom('automation_rules').selectAll().orderBy('name').execute()).map(ruleFromRow);
    },

    async getRule(name) {
      const row = await db.selectFrom('automation_rules').selectAll().where('name', '=', name).executeTakeFirst();
      return row ? ruleFromRow(row) : null;
    },

    async saveRule(rule, now) {
      await db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('automation_rules').select('source').where('name', '=', rule.name).executeTakeFirst();
        if (row?.source === 'file') throw new ConflictError(`rule ${rule.name} comes from the rules file (automations.yaml): edit the file to change it`);
        await upsert(trx, rule, rule.enabled, 'api', now);
      });
      return loadRule(rule.name);
    },

    async syncFileRules(rules, now) {
      return db.transaction().execute(async (trx) => {
        const rows = await trx.selectFrom('automation_rules').selectAll().execute();
        const before = new Map(rows.map((r) => [r.name, r]));
        const added: string[] = [];
        const changed: string[] = [];
        for (const rule of rules) {
          const row = before.get(rule.name);
          const spec = JSON.stringify(rule);
          if (row && row.source === 'file' && row.spec === spec) continue;
          const old = row ? (JSON.parse(row.spec) as AutomationRule) : null;
          const enabled = row && row.source === 'file' && old?.enabled === rule.enabled ? row.enabled === 1 : rule.enabled;
          await upsert(trx, rule, enabled, 'file', now);
          (row ? changed : added).push(rule.name);
        }
        const names = new Set(rules.map((r) => r.name));
        const removed = rows.filter((r) => r.source === 'file' && !names.has(r.name)).map((r) => r.name);
        if (removed.length > 0) await trx.deleteFrom('automation_rules').where('name', 'in', removed).execute();
        return { added, changed, removed };
      });
    },

    async setRuleEnabled(name, enabled, now) {
      const result = await db.updateTable('automation_rules').set({ enabled: enabled ? 1 : 0, updated_at: now }).where('name', '=', name).executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new NotFoundError('rule', name);
      return loadRule(name);
    },

    async deleteRule(name) {
      const rule = await loadRule(name);
      if (rule.source === 'file') throw new ConflictError(`rule ${name} comes from the rules file (automations.yaml): remove it there`);
      await db.deleteFrom('automation_rules').where('name', '=', name).execute();
    },

    async beginFiring(f, now) {
      const result = await db.transaction().execute(async (trx) => {
        const ended = f.state === 'running' ? null : now;
        const inserted = await trx
          .insertInto('automation_firings')
          .values({
            rule: f.rule, event_id: f.eventId, scheduled_at: f.scheduledAt, action: f.action, state: f.state, detail: f.detail,
            value: f.value, made_job_id: null, made_deployment_id: null, depth: f.depth, started_at: now, ended_at: ended,
          })
          .onConflict((oc) => oc.doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!inserted) {
          const cause = f.eventId !== null ? (['event_id', f.eventId] as const) : (['scheduled_at', f.scheduledAt!] as const);
          const row = await trx.selectFrom('automation_firings').selectAll().where('rule', '=', f.rule).where(cause[0], '=', cause[1]).executeTakeFirstOrThrow();
          return { firing: firingFromRow(row), created: false };
        }
        const firing: Firing = {
          id: inserted.id, rule: f.rule, eventId: f.eventId, scheduledAt: f.scheduledAt, action: f.action, state: f.state, detail: f.detail,
          madeJobId: null, madeDeploymentId: null, depth: f.depth, startedAt: now, endedAt: ended,
        };
        // Skipped and refused firings append no event: rules on automation.* events cannot loop on them.
        if (f.state === 'running') await append(trx, [{ type: 'automation.fired', jobId: null, runId: null, data: refOf(firing) }], now);
        return { firing, created: true };
      });
      if (result.created && result.firing.state === 'running') notifier.notify();
      return result;
    },

    async finishFiring(id, outcome, now) {
      const result = await db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('automation_firings').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) throw new NotFoundError('firing', id);
        if (row.state !== 'running') return { firing: firingFromRow(row), changed: false };
        const made = { made_job_id: outcome.madeJobId ?? null, made_deployment_id: outcome.madeDeploymentId ?? null };
        await trx.updateTable('automation_firings').set({ state: outcome.state, detail: outcome.detail, ended_at: now, ...made }).where('id', '=', id).execute();
        const firing = firingFromRow({ ...row, state: outcome.state, detail: outcome.detail, ended_at: now, ...made });
        await append(trx, [finishedEvent(firing)], now);
        return { firing, changed: true };
      });
      if (result.changed) notifier.notify();
      return result.firing;
    },

    async listFirings(filter = {}) {
      let query = db.selectFrom('automation_firings').selectAll();
      if (filter.rule !== undefined) query = query.where('rule', '=', filter.rule);
      if (filter.state !== undefined) query = query.where('state', '=', filter.state);
      return (await query.orderBy('id', 'desc').limit(filter.limit ?? 50).execute()).map(firingFromRow);
    },

    async getFiring(id) {
      const row = await db.selectFrom('automation_firings').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? firingFromRow(row) : null;
    },

    async firingFor(rule, eventId) {
      const row = await db.selectFrom('automation_firings').selectAll().where('rule', '=', rule).where('event_id', '=', eventId).executeTakeFirst();
      return row ? firingFromRow(row) : null;
    },

    async ruleActivity(rule, since) {
      const row = await db
        .selectFrom('automation_firings')
        .select((eb) => [eb.fn.max('started_at').as('last'), eb.fn.sum<number>(eb.case().when('started_at', '>=', since).then(1).else(0).end()).as('count')])
        .where('rule', '=', rule)
        .where('state', 'in', FIRED_STATES)
        .executeTakeFirst();
      return { lastFiredAt: row?.last ?? null, firedSince: Number(row?.count ?? 0) };
    },

    async conditionValues(rule, limit) {
      if (limit <= 0) return [];
      const rows = await db.selectFrom('automation_firings').select('value').where('rule', '=', rule).where('value', 'is not', null).orderBy('id', 'desc').limit(limit).execute();
      return rows.map((r) => r.value as number).reverse();
    },

    async madeDepth(made) {
      if (made.jobIds.length === 0 && made.deploymentId === null) return 0;
      const row = await db
        .selectFrom('automation_firings')
        .select((eb) => eb.fn.max('depth').as('depth'))
        .where((eb) => eb.or([
          ...(made.jobIds.length > 0 ? [eb('made_job_id', 'in', made.jobIds)] : []),
          ...(made.deploymentId !== null ? [eb('made_deployment_id', '=', made.deploymentId)] : []),
        ]))
        .executeTakeFirst();
      return row?.depth ?? 0;
    },
  };
}
