/**
 * The dry run (`trainyard rules test`, `POST /api/v1/rules/:name/test`): what a rule would do with
 * one event or the last N of its types (a schedule: its next slots), decided exactly as the
 * engine decides now (its cooldown, values and limits), and whether it fired on that event
 * already. Nothing is done or recorded.
 */
import { inboxTriggerOf, triggerTypes, type AutomationRule, type Firing, type StoredRule } from '../core/automation.ts';
import { fillTemplates, type Cause, type Decision } from '../core/automation-match.ts';
import { NotFoundError } from '../core/errors.ts';
import type { DomainEvent, DomainEventType } from '../core/events.ts';
import type { Store } from '../store/store.ts';
import { describeAction } from './actions.ts';
import type { Schedules } from './schedules.ts';

/** What a rule would do with a cause: nothing is done. */
export interface DryRun {
  readonly eventId: number | null;
  readonly eventType: string | null;
  readonly scheduledAt: number | null;
  readonly decision: Decision['kind'];
  readonly detail: string;
  /** What the action would do (`fire` only). */
  readonly action: string | null;
  /** The firing recorded for this cause already, if any: the rule will not fire on it again. */
  readonly firing: Firing | null;
}

export interface DryRunDeps {
  readonly store: Store;
  readonly schedules: Schedules;
  /** The engine's own decision (automations.ts). */
  readonly decide: (rule: StoredRule, cause: Cause) => Promise<{ readonly decision: Decision }>;
  readonly dataDir: string;
  readonly now: () => number;
  /** The waiting inbox files (the `on: {inbox}` rules); absent: they never fire. */
  readonly waitingInboxFiles?: (priority?: 'high' | 'normal' | 'low') => Promise<number>;
}

export function createDryRuns(deps: DryRunDeps) {
  const { store } = deps;

  async function dryRun(rule: StoredRule, event: DomainEvent): Promise<DryRun> {
    const { decision } = await deps.decide(rule, { event, scheduledAt: null });
    const base = { eventId: event.id, eventType: event.type, scheduledAt: null, firing: await store.firingFor(rule.name, event.id) };
    if (decision.kind !== 'fire') {
      return { ...base, decision: decision.kind, action: null, detail: 'detail' in decision ? decision.detail : `the event does not match the rule (${describeMismatch(rule.rule)})` };
    }
    let action: string;
    try {
      action = describeAction(decision.action, event, deps.dataDir);
    } catch (error) {
      return { ...base, decision: 'refused', detail: (error as Error).message, action: null };
    }
    const detail = rule.enabled ? decision.detail : `${decision.detail ? `${decision.detail}; ` : ''}the rule is disabled: it would not fire now`;
    return { ...base, decision: 'fire', detail, action };
  }

  /** The last `count` events of these types, oldest first. */
  async function lastEvents(types: DomainEventType[], count: number): Promise<DomainEvent[]> {
    const lastId = await store.lastEventId();
    for (let span = Math.max(count * 20, 1000); ; span *= 4) {
      const after = Math.max(0, lastId - span);
      const events = await store.listEvents({ after, types, limit: 10_000 });
      const tail = events.slice(-count);
      if (tail.length >= count || after === 0) return tail;
    }
  }

  return {
    /** Against one event (NotFoundError for an unknown id), or the last `last` (default 10). */
    async test(rule: StoredRule, target: { readonly eventId?: number; readonly last?: number }): Promise<DryRun[]> {
      const types = triggerTypes(rule.rule.on);
      const inbox = inboxTriggerOf(rule.rule.on);
      if (inbox) {
        const now = deps.now();
        const waiting = deps.waitingInboxFiles ? await deps.waitingInboxFiles(inbox.priority) : null;
        const below = waiting !== null && waiting < inbox.fewerThan;
        const { decision } = below ? await deps.decide(rule, { event: null, scheduledAt: now }) : { decision: null };
        const count = waiting === null ? 'the inbox is not counted on this server' : `${waiting} waiting inbox file${waiting === 1 ? '' : 's'}${inbox.priority ? ` (${inbox.priority})` : ''} ${below ? '<' : '≥'} ${inbox.fewerThan}`;
        return [{
          eventId: null, eventType: null, scheduledAt: now,
          decision: decision?.kind ?? 'no-match',
          detail: `${count}${decision && 'detail' in decision && decision.detail ? `; ${decision.detail}` : ''}; it fires once per crossing below ${inbox.fewerThan}`,
          action: decision?.kind === 'fire' ? describeAction(decision.action, null, deps.dataDir) : null,
          firing: null,
        }];
      }
      if (types.length === 0) {
        return deps.schedules.next(rule, target.last ?? 1, new Date(deps.now())).map((at) => ({
          eventId: null, eventType: null, scheduledAt: at, decision: 'fire' as const, detail: `next slot ${new Date(at).toISOString()}`,
          action: describeAction(fillTemplates(rule.rule.do, { event: null, scheduledAt: at }), null, deps.dataDir), firing: null,
        }));
      }
      let events: DomainEvent[];
      if (target.eventId !== undefined) {
        const [event] = await store.listEvents({ after: target.eventId - 1, limit: 1 });
        if (!event || event.id !== target.eventId) throw new NotFoundError('event', target.eventId);
        events = [event];
      } else events = await lastEvents(types, target.last ?? 10);
      const results: DryRun[] = [];
      for (const event of events) {
        results.push(types.includes(event.type)
          ? await dryRun(rule, event)
          : { eventId: event.id, eventType: event.type, scheduledAt: null, decision: 'no-match', detail: `rule ${rule.name} is on ${types.join(', ')}, not ${event.type}`, action: null, firing: null });
      }
      return results;
    },
  };
}

function describeMismatch(rule: AutomationRule): string {
  if (typeof rule.on === 'object' && 'metric' in rule.on) return `it holds no ${rule.on.metric}${rule.on.suite ? ` of suite ${rule.on.suite}` : ''}, or fails \`where\``;
  return `where ${JSON.stringify(rule.where ?? {})}`;
}
