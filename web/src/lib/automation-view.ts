/**
 * How automation rules read on the Automations page (docs/automations.md): the trigger, its
 * `where` and condition in words, the action in words, the cooldown, and a firing's cause and
 * duration. Pure.
 */
import type { RuleInfo } from '../../../src/core/api/automations.ts';
import { formatElapsed } from './deployment-view.ts';
import { formatDuration, formatTimestamp, formatValue } from './format.ts';

type Rule = RuleInfo['rule'];
type Trigger = Rule['on'];
type Where = NonNullable<Rule['where']>;
type Condition = NonNullable<Rule['condition']>;
type Action = Rule['do'];

/** What these functions read of a rule (the API's Rule has it under `rule`). */
export type RuleLike = Pick<Rule, 'on' | 'where' | 'condition' | 'do'>;

const quote = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** `data.to is succeeded or failed and jobId is 3`. */
export function whereText(where: Where | undefined): string {
  if (!where) return '';
  return Object.entries(where)
    .map(([path, want]) => `${path} is ${Array.isArray(want) ? want.map(quote).join(' or ') : quote(want)}`)
    .join(' and ');
}

function bound(c: Condition): string {
  if (c.atLeast !== undefined && c.atMost !== undefined) return `between ${formatValue(c.atLeast)} and ${formatValue(c.atMost)}`;
  return c.atLeast !== undefined ? `≥ ${formatValue(c.atLeast)}` : `≤ ${formatValue(c.atMost)}`;
}

/** `accuracy ≥ 0.8 on 3 in a row`, `the average of the last 5 loss ≤ 0.2`; `metric`: the trigger's. */
export function conditionText(c: Condition | undefined, metric?: string): string {
  if (!c) return '';
  const m = c.metric ?? metric ?? 'the metric';
  if (c.avg !== undefined) return `the average of the last ${c.avg} ${m} ${bound(c)}`;
  if (c.min !== undefined) return `the smallest of the last ${c.min} ${m} ${bound(c)}`;
  if (c.max !== undefined) return `the largest of the last ${c.max} ${m} ${bound(c)}`;
  if (c.change !== undefined) return `${m}'s change over ${c.change} ${bound(c)}`;
  const k = c.consecutive ?? 1;
  return k === 1 ? `${m} ${bound(c)}` : `${m} ${bound(c)} on ${k} in a row`;
}

/**
 * The trigger alone: `job.submitted`, `schedule 0 3 * * * (Europe/Berlin)`, `metric accuracy of
 * suite smoke`, `inbox: fewer than 5 high files waiting`.
 */
export function triggerName(on: Trigger): string {
  if (typeof on === 'string') return on;
  if ('schedule' in on) return `schedule ${on.schedule}${on.timezone ? ` (${on.timezone})` : ''}`;
  if ('inbox' in on) return `inbox: fewer than ${on.inbox.fewerThan}${on.inbox.priority ? ` ${on.inbox.priority}` : ''} files waiting`;
  return `metric ${on.metric}${on.suite ? ` of suite ${on.suite}` : ''}`;
}

/** The whole trigger in words: `on job.state_changed where data.to is failed, when loss ≤ 0.2`. */
export function triggerText(rule: RuleLike): string {
  const metric = typeof rule.on === 'object' && 'metric' in rule.on ? rule.on.metric : undefined;
  const where = whereText(rule.where);
  const condition = conditionText(rule.condition, metric);
  return `on ${triggerName(rule.on)}${where ? ` where ${where}` : ''}${condition ? `, when ${condition}` : ''}`;
}

/** Which action: submit, eval, deploy, pause, stop or webhook. */
export function actionKindOf(action: Action): string {
  return Object.keys(action).find((k) => (action as Record<string, unknown>)[k] !== undefined) ?? '?';
}

/** The action in words: `submit job "continue-${event.data.checkpointId}" from checkpoint:…`, `pause the event's job`. */
export function actionText(action: Action): string {
  if (action.submit) {
    const { name, from } = action.submit as { name?: unknown; from?: unknown };
    return `submit job${name !== undefined ? ` "${quote(name)}"` : ''}${from !== undefined ? ` from ${quote(from)}` : ''}`;
  }
  if (action.eval) return `evaluate ${action.eval.checkpoint !== undefined ? `checkpoint ${action.eval.checkpoint}` : "the event's checkpoint"} with suite ${action.eval.suite}`;
  if (action.deploy) return `deploy ${action.deploy.model}@${action.deploy.version} to ${action.deploy.target}`;
  if (action.webhook) return `POST to ${action.webhook.url}${action.webhook.secretEnv ? ` (signed with $${action.webhook.secretEnv})` : ''}`;
  for (const verb of ['pause', 'stop'] as const) {
    if (verb in action) {
      const job = action[verb]?.job;
      return `${verb} ${job !== undefined ? `job ${job}` : "the event's job"}`;
    }
  }
  return actionKindOf(action);
}

/** `10 min`; `–` without one. */
export function cooldownText(seconds: number | undefined): string {
  return seconds ? formatDuration(seconds) : '–';
}

/** What these functions read of a firing (the API's Firing has it). */
export interface FiringLike {
  readonly eventId: number | null;
  readonly scheduledAt: number | null;
  readonly startedAt: number;
  readonly endedAt: number | null;
}

/** `event #12`, or the schedule slot `slot 2026-12-07 03:00:00` (local time). */
export function firingCause(f: FiringLike): string {
  if (f.eventId !== null) return `event #${f.eventId}`;
  return f.scheduledAt !== null ? `slot ${formatTimestamp(f.scheduledAt)}` : '–';
}

/** How long it took (`340 ms`, `2 s`); `running` while it runs. */
export function firingDuration(f: FiringLike): string {
  return f.endedAt === null ? 'running' : formatElapsed(f.endedAt - f.startedAt);
}
