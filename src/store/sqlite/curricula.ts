/** CurriculumStore over Kysely; no dialect-specific SQL. Each change is one transaction with its event. */
import type { Selectable, Transaction } from 'kysely';
import type { Curriculum, CurriculumSpec, CurriculumState, HistoryRow, LevelChange, LevelDirection } from '../../core/curriculum.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.ts';
import type { NewDomainEvent } from '../../core/events.ts';
import type { CurriculumStore } from '../curriculum-store.ts';
import type { CurriculumHistoryTable, CurriculumSchema, CurriculumTable } from './curriculum-schema.ts';
import { appendEvents, type EventNotifier } from './events.ts';
import type { StoreDb, StoreSchema } from './schema.ts';

function curriculumFromRow(row: Selectable<CurriculumTable>): Curriculum {
  const spec = JSON.parse(row.spec) as CurriculumSpec;
  return {
    name: row.name, spec, version: row.version, level: row.level, levelName: spec.levels[row.level]?.name ?? '',
    state: row.state as CurriculumState, enteredEventId: row.entered_event_id, enteredAt: row.entered_at,
    createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

function historyFromRow(row: Selectable<CurriculumHistoryTable>): HistoryRow {
  return {
    id: row.id, from: row.from_level, to: row.to_level, fromLevel: row.from_name, toLevel: row.to_name,
    direction: row.direction as LevelDirection, reason: row.reason, values: JSON.parse(row.values) as number[],
    completed: row.completed === 1, causeEventId: row.cause_event_id, by: row.by, at: row.at,
  };
}

/** Whether a new spec reads the current level's window differently (the level is then re-entered). */
function windowChanged(before: CurriculumSpec, after: CurriculumSpec, beforeLevel: number, afterLevel: number): boolean {
  return before.metric !== after.metric
    || JSON.stringify(before.promote) !== JSON.stringify(after.promote)
    || JSON.stringify(before.demote ?? null) !== JSON.stringify(after.demote ?? null)
    || before.levels[beforeLevel].suite !== after.levels[afterLevel].suite;
}

export function createCurriculumStore(storeDb: StoreDb, notifier: EventNotifier): CurriculumStore {
  const db = storeDb.withTables<CurriculumSchema>();
  type Trx = Transaction<StoreSchema & CurriculumSchema>;
  const append = async (trx: Trx, event: NewDomainEvent, now: number) => (await appendEvents(trx as unknown as StoreDb, [event], now))[0];

  async function load(trx: Trx | typeof db, name: string): Promise<Selectable<CurriculumTable>> {
    const row = await trx.selectFrom('curricula').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new NotFoundError('curriculum', name);
    return row;
  }

  /** Records a move: its history row, its event, and the curriculum's new level or state. */
  async function move(trx: Trx, row: Selectable<CurriculumTable>, change: LevelChange, cause: number | null, by: string, now: number): Promise<HistoryRow> {
    const values = { ...change, values: [...change.values] };
    const inserted = await trx
      .insertInto('curriculum_history')
      .values({
        curriculum: row.name, from_level: change.from, to_level: change.to, from_name: change.fromLevel, to_name: change.toLevel,
        direction: change.direction, reason: change.reason, values: JSON.stringify(values.values), completed: change.completed ? 1 : 0,
        cause_event_id: cause, by, at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const historyId = inserted.id;
    if (change.completed) {
      await append(trx, { type: 'curriculum.completed', jobId: null, runId: null, data: { curriculum: row.name, level: change.from, levelName: change.fromLevel, reason: change.reason, values: values.values, historyId } }, now);
      await trx.updateTable('curricula').set({ state: 'completed', updated_at: now }).where('name', '=', row.name).execute();
    } else {
      const eventId = await append(trx, {
        type: 'curriculum.level_changed', jobId: null, runId: null,
        data: { curriculum: row.name, from: change.from, to: change.to, fromLevel: change.fromLevel, toLevel: change.toLevel, direction: change.direction, reason: change.reason, values: values.values, historyId },
      }, now);
      await trx.updateTable('curricula').set({ level: change.to, state: 'active', entered_event_id: eventId, entered_at: now, updated_at: now }).where('name', '=', row.name).execute();
    }
    return { ...values, id: historyId, causeEventId: cause, by, at: now };
  }

  return {
    async applyCurriculum(spec, by, now) {
      const result = await db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('curricula').selectAll().where('name', '=', spec.name).executeTakeFirst();
        const text = JSON.stringify(spec);
        const levels = spec.levels.map((l) => l.name);
        if (!row) {
          const eventId = await append(trx, { type: 'curriculum.updated', jobId: null, runId: null, data: { curriculum: spec.name, version: 1, created: true, levels, by } }, now);
          await trx.insertInto('curricula').values({
            name: spec.name, spec: text, version: 1, level: 0, state: 'active', entered_event_id: eventId, entered_at: now, created_at: now, updated_at: now,
          }).execute();
          return { created: true, changed: true };
        }
        if (row.spec === text) return { created: false, changed: false };
        const before = JSON.parse(row.spec) as CurriculumSpec;
        const current = before.levels[row.level].name;
        const level = spec.levels.findIndex((l) => l.name === current);
        if (level === -1) {
          throw new ConflictError(`curriculum ${spec.name} is at level ${current}, which the new spec drops: move it to a level the new spec keeps first (trainyard curriculum set-level ${spec.name} LEVEL --reason …)`);
        }
        const version = row.version + 1;
        const eventId = await append(trx, { type: 'curriculum.updated', jobId: null, runId: null, data: { curriculum: spec.name, version, created: false, levels, by } }, now);
        const reenter = windowChanged(before, spec, row.level, level) ? { entered_event_id: eventId, entered_at: now } : {};
        await trx.updateTable('curricula').set({ spec: text, version, level, updated_at: now, ...reenter }).where('name', '=', spec.name).execute();
        return { created: false, changed: true };
      });
      if (result.changed) notifier.notify();
      return { ...result, curriculum: curriculumFromRow(await load(db, spec.name)) };
    },

    async getCurriculum(name) {
      const row = await db.selectFrom('curricula').selectAll().where('name', '=', name).executeTakeFirst();
      return row ? curriculumFromRow(row) : null;
    },

    async listCurricula() {
      return (await db.selectFrom('curricula').selectAll().orderBy('name').execute()).map(curriculumFromRow);
    },

    async curriculumWindow(name) {
      const row = await load(db, name);
      const rows = await db
        .selectFrom('curriculum_values')
        .selectAll()
        .where('curriculum', '=', name)
        .where('entered_event_id', '=', row.entered_event_id)
        .orderBy('event_id')
        .execute();
      return rows.map((r) => ({ evaluationId: r.evaluation_id, jobId: r.job_id, eventId: r.event_id, value: r.value, at: r.at }));
    },

    async countCurriculumEvaluation(name, e, change, now) {
      const result = await db.transaction().execute(async (trx) => {
        const row = await load(trx, name);
        if (row.state !== 'active' || row.entered_event_id !== e.enteredEventId) return { counted: false, change: null };
        const inserted = await trx
          .insertInto('curriculum_values')
          .values({ curriculum: name, evaluation_id: e.evaluationId, entered_event_id: e.enteredEventId, job_id: e.jobId, event_id: e.eventId, value: e.value, at: now })
          .onConflict((oc) => oc.doNothing())
          .returning('evaluation_id')
          .executeTakeFirst();
        if (!inserted) return { counted: false, change: null };
        if (!change) return { counted: true, change: null };
        const seen = await trx.selectFrom('curriculum_history').select('id').where('curriculum', '=', name).where('cause_event_id', '=', e.eventId).executeTakeFirst();
        if (seen) return { counted: true, change: null };
        return { counted: true, change: await move(trx, row, change, e.eventId, 'system', now) };
      });
      if (result.change) notifier.notify();
      return result;
    },

    async setCurriculumLevel(name, m, now) {
      const history = await db.transaction().execute(async (trx) => {
        const row = await load(trx, name);
        const spec = JSON.parse(row.spec) as CurriculumSpec;
        const to = spec.levels[m.to];
        if (!Number.isInteger(m.to) || !to) throw new ValidationError(`expected a level of ${name} (0–${spec.levels.length - 1}: ${spec.levels.map((l) => l.name).join(', ')}), got ${m.to}`, 'level');
        const change: LevelChange = { from: row.level, to: m.to, fromLevel: spec.levels[row.level].name, toLevel: to.name, direction: 'set', reason: m.reason, values: [], completed: false };
        return move(trx, row, change, null, m.by, now);
      });
      notifier.notify();
      return history;
    },

    async listCurriculumHistory(name, limit = 1000) {
      const rows = await db.selectFrom('curriculum_history').selectAll().where('curriculum', '=', name).orderBy('id', 'desc').limit(limit).execute();
      return rows.reverse().map(historyFromRow);
    },
  };
}
