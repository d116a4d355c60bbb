/**
 * The durable event log over Kysely (no dialect-specific SQL). `appendEvents` is called by the
 * other per-concern stores inside the transaction of the change an event reports, so the change
 * and its event commit together or not at all.
 */
import type { Transaction } from 'kysely';
import type { DomainEvent, DomainEventType, NewDomainEvent } from '../../core/events.ts';
import type { EventFilter, EventStore } from '../store.ts';
import type { EventTable, StoreDb, StoreSchema } from './schema.ts';
import type { Selectable } from 'kysely';

/** Default and largest page of `listEvents`. */
const DEFAULT_EVENT_PAGE = 1_000;
const MAX_EVENT_PAGE = 10_000;

/** Appends events inside the caller's transaction; returns their ids, in order. */
export async function appendEvents(trx: Transaction<StoreSchema> | StoreDb, events: readonly NewDomainEvent[], now: number): Promise<number[]> {
  if (events.length === 0) return [];
  const rows = await trx
    .insertInto('events')
    .values(events.map((e) => ({ type: e.type, job_id: e.jobId, run_id: e.runId, data: JSON.stringify(e.data), at: now })))
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Tells in-process readers that events were committed. Stores call `notify()` after a commit. */
export interface EventNotifier {
  notify(): void;
  watch(listener: () => void): () => void;
}

export function createEventNotifier(): EventNotifier {
  const listeners = new Set<() => void>();
  return {
    notify() {
      for (const listener of listeners) listener();
    },
    watch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function createEventStore(db: StoreDb, notifier: EventNotifier): EventStore {
  return {
    watchEvents: (listener) => notifier.watch(listener),

    async listEvents(filter: EventFilter = {}) {
      let query = db
        .selectFrom('events')
        .selectAll()
        .where('id', '>', filter.after ?? 0)
        .orderBy('id')
        .limit(Math.min(filter.limit ?? DEFAULT_EVENT_PAGE, MAX_EVENT_PAGE));
      if (filter.types !== undefined) {
        if (filter.types.length === 0) return [];
        query = query.where('type', 'in', filter.types);
      }
      if (filter.jobId !== undefined) query = query.where('job_id', '=', filter.jobId);
      return (await query.execute()).map(eventFromRow);
    },

    async lastEventId() {
      const row = await db.selectFrom('events').select((eb) => eb.fn.max('id').as('last')).executeTakeFirst();
      return row?.last === null || row?.last === undefined ? 0 : Number(row.last);
    },

    async getEventCursor(subscriber) {
      const row = await db.selectFrom('event_cursors').select('last_id').where('subscriber', '=', subscriber).executeTakeFirst();
      return row?.last_id ?? null;
    },

    async ackEvents(subscriber, lastId, now) {
      await db
        .insertInto('event_cursors')
        .values({ subscriber, last_id: lastId, updated_at: now })
        // A cursor never moves back, whatever order acknowledgements arrive in.
        .onConflict((oc) => oc
          .column('subscriber')
          .doUpdateSet((eb) => ({ last_id: eb.ref('excluded.last_id'), updated_at: eb.ref('excluded.updated_at') }))
          .where((eb) => eb('event_cursors.last_id', '<', eb.ref('excluded.last_id'))))
        .execute();
    },
  };
}

function eventFromRow(row: Selectable<EventTable>): DomainEvent {
  return {
    id: row.id,
    type: row.type as DomainEventType,
    jobId: row.job_id,
    runId: row.run_id,
    data: JSON.parse(row.data),
    at: row.at,
  } as DomainEvent;
}
