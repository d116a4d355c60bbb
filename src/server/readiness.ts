/**
 * Readiness (`GET /readyz`, docs/operations.md#health-and-readiness): the server has finished
 * starting (recovery done: the store was migrated before it opened), the store answers, and no
 * durable subscriber of the event log lags more than `maxLag` events behind the newest.
 */
import type { Readiness } from '../core/api/operations.ts';
import type { EventStore, OperationsStore } from '../store/store.ts';

/** Default: 10,000 events. A subscriber that far behind reacts minutes late (evaluations, deploys, automations). */
export const DEFAULT_MAX_EVENT_LAG = 10_000;

export interface ReadinessDeps {
  readonly store: Pick<EventStore, 'lastEventId'> & Pick<OperationsStore, 'listEventCursors'>;
  /** The durable subscribers this server runs. */
  readonly subscribers: () => readonly string[];
  /** False until the server has recovered and started its loops. */
  readonly started: () => boolean;
  readonly maxLag?: number;
}

export async function checkReadiness(deps: ReadinessDeps): Promise<Readiness> {
  const checks: { name: string; ok: boolean; detail: string }[] = [];
  checks.push(deps.started() ? { name: 'started', ok: true, detail: 'recovery done, loops running' } : { name: 'started', ok: false, detail: 'the server is still starting (recovery)' });
  try {
    const last = await deps.store.lastEventId();
    const cursors = new Map((await deps.store.listEventCursors()).map((c) => [c.subscriber, c.lastId]));
    checks.push({ name: 'store', ok: true, detail: `answers; newest event ${last}` });
    const maxLag = deps.maxLag ?? DEFAULT_MAX_EVENT_LAG;
    for (const name of [...deps.subscribers()].sort()) {
      const lag = last - (cursors.get(name) ?? last);
      checks.push({ name: `subscriber:${name}`, ok: lag <= maxLag, detail: `${lag} event${lag === 1 ? '' : 's'} behind (bound ${maxLag})` });
    }
  } catch (error) {
    checks.push({ name: 'store', ok: false, detail: `does not answer: ${(error as Error)?.message ?? String(error)}` });
  }
  const failed = checks.filter((c) => !c.ok);
  return { ready: failed.length === 0, reason: failed.length === 0 ? null : failed.map((c) => `${c.name}: ${c.detail}`).join('; '), checks };
}
