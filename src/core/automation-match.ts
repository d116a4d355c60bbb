/**
 * What a rule does with a cause, decided without I/O (core/automation.ts has the terms): the
 * `where` filter, the built-in conditions, the `${event.…}` templates of actions, the cooldown
 * and the loop limits. The engine (src/automations/) and the dry run use the same `decide`.
 */
import type { DomainEvent } from './events.ts';
import { AUTOMATION_LIMITS, type AutomationRule, type RuleAction, type RuleCondition } from './automation.ts';

/** What a cause looks like to `where` and templates: an event, or a scheduled time. */
export interface Cause {
  readonly event: DomainEvent | null;
  /** Epoch ms of a schedule's firing; null for an event. */
  readonly scheduledAt: number | null;
}

/** What the engine knows when it decides. */
export interface DecideContext {
  readonly now: number;
  /** The depth of the cause (0: nothing an automation made). */
  readonly causeDepth: number;
  /** When the rule last fired (a firing that ran: running, succeeded or failed); null: never. */
  readonly lastFiredAt: number | null;
  /** How many firings of the rule started in the minute before `now`. */
  readonly firedLastMinute: number;
  /** The condition's values, oldest first, the cause's own last (empty without a condition). */
  readonly values: readonly number[];
}

export type Decision =
  /** The event is not for this rule (type, `where`): nothing is recorded. */
  | { readonly kind: 'no-match' }
  | { readonly kind: 'fire'; readonly action: RuleAction; readonly depth: number; readonly detail: string }
  | { readonly kind: 'skipped'; readonly detail: string }
  | { readonly kind: 'refused'; readonly depth: number; readonly detail: string };

/** Decides what a rule does with a cause. Pure. */
export function decide(rule: AutomationRule, cause: Cause, ctx: DecideContext): Decision {
  if (cause.event && !matchesWhere(rule.where, cause.event)) return { kind: 'no-match' };
  if (cause.event && typeof rule.on === 'object' && 'metric' in rule.on) {
    if (rule.on.suite !== undefined && (cause.event.data as { suite?: unknown }).suite !== rule.on.suite) return { kind: 'no-match' };
    if (metricValue(cause.event, rule.on.metric) === null) return { kind: 'no-match' };
  }
  const depth = ctx.causeDepth + 1;
  if (depth > AUTOMATION_LIMITS.maxDepth) {
    return { kind: 'refused', depth, detail: `loop limit: the cause chain is ${depth} firings deep (at most ${AUTOMATION_LIMITS.maxDepth}); an action of an automation caused this event` };
  }
  if (ctx.firedLastMinute >= AUTOMATION_LIMITS.maxFiringsPerMinute) {
    return { kind: 'refused', depth, detail: `rate limit: the rule fired ${ctx.firedLastMinute} times in the last minute (at most ${AUTOMATION_LIMITS.maxFiringsPerMinute})` };
  }
  let conditionDetail = '';
  if (rule.condition) {
    const result = evaluateCondition(rule.condition, ctx.values);
    if (!result.holds) return { kind: 'skipped', detail: `condition does not hold: ${result.detail}` };
    conditionDetail = result.detail;
  }
  if (ctx.lastFiredAt !== null && rule.cooldownSeconds > 0 && ctx.now - ctx.lastFiredAt < rule.cooldownSeconds * 1000) {
    const left = Math.ceil((rule.cooldownSeconds * 1000 - (ctx.now - ctx.lastFiredAt)) / 1000);
    return { kind: 'skipped', detail: `cooldown: fired ${Math.round((ctx.now - ctx.lastFiredAt) / 1000)} s ago, ${left} s of ${rule.cooldownSeconds} s left` };
  }
  try {
    return { kind: 'fire', action: fillTemplates(rule.do, cause), depth, detail: conditionDetail };
  } catch (error) {
    return { kind: 'refused', depth, detail: (error as Error).message };
  }
}

/** The metric a rule's condition reads. */
export function conditionMetric(rule: AutomationRule): string | null {
  if (!rule.condition) return null;
  return rule.condition.metric ?? (typeof rule.on === 'object' && 'metric' in rule.on ? rule.on.metric : null);
}

/**
 * Whether every `where` entry holds: the value at the dotted path equals the entry's value
 * (numbers and strings compare by their text: `data.version: 3` matches `"3"`), or one of a list.
 */
export function matchesWhere(where: AutomationRule['where'], event: DomainEvent): boolean {
  if (!where) return true;
  const view = eventView(event);
  return Object.entries(where).every(([path, wanted]) => {
    const value = valueAt(view, path);
    const list = Array.isArray(wanted) ? wanted : [wanted];
    return list.some((w) => sameScalar(value, w));
  });
}

function sameScalar(value: unknown, wanted: unknown): boolean {
  if (value === wanted) return true;
  if (value === null || wanted === null || value === undefined) return false;
  const kinds = new Set([typeof value, typeof wanted]);
  return [...kinds].every((k) => k === 'string' || k === 'number') && String(value) === String(wanted);
}

/**
 * The event as `where` and templates see it: as stored, and a registered checkpoint's `data.id`
 * also as `data.checkpointId` (the name every other event about a checkpoint uses).
 */
export function eventView(event: DomainEvent): DomainEvent {
  if (event.type !== 'checkpoint.registered') return event;
  return { ...event, data: { ...event.data, checkpointId: event.data.id } } as DomainEvent;
}

/** The value at a dotted path (`data.checkpointId`, `data.diffs.0.value`), or undefined. */
export function valueAt(root: unknown, path: string): unknown {
  let value: unknown = root;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * A metric's value in an event: for `evaluation.done`, the diff of that metric (or `score`);
 * otherwise a number at `data.<metric>`. Null when the event does not hold it.
 */
export function metricValue(event: DomainEvent, metric: string): number | null {
  if (event.type === 'evaluation.done') {
    if (metric === 'score') return event.data.score;
    const diff = event.data.diffs.find((d) => d.metric === metric);
    if (diff) return diff.value;
  }
  const value = valueAt(event.data, metric);
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The number of values a condition reads (the cause's included). */
export function conditionWindow(condition: RuleCondition): number {
  if (condition.change !== undefined) return condition.change * 2;
  return condition.avg ?? condition.min ?? condition.max ?? condition.consecutive ?? 1;
}

/**
 * A built-in condition over values (oldest first, the newest last):
 * - `consecutive: K` (the default, K = 1): each of the last K values is within the bound;
 * - `avg|min|max: N`: the average, smallest or largest of the last N values is within it;
 * - `change: N`: the mean of the last N values minus the mean of the N before is within it.
 * Fewer values than the window: the condition does not hold (yet).
 */
export function evaluateCondition(condition: RuleCondition, values: readonly number[]): { holds: boolean; detail: string } {
  const window = conditionWindow(condition);
  const bound = describeBound(condition);
  const name = condition.metric ?? 'the metric';
  if (values.length < window) return { holds: false, detail: `${values.length} of the ${window} values it needs so far` };
  const last = values.slice(-window);
  const within = (v: number) => (condition.atLeast === undefined || v >= condition.atLeast) && (condition.atMost === undefined || v <= condition.atMost);
  const show = (v: number) => String(Number(v.toPrecision(6)));
  if (condition.change !== undefined) {
    const n = condition.change;
    const change = mean(last.slice(n)) - mean(last.slice(0, n));
    return { holds: within(change), detail: `change of ${name} (mean of the last ${n} vs the ${n} before) ${show(change)} ${within(change) ? 'is' : 'is not'} ${bound}` };
  }
  for (const kind of ['avg', 'min', 'max'] as const) {
    if (condition[kind] === undefined) continue;
    const value = kind === 'avg' ? mean(last) : kind === 'min' ? Math.min(...last) : Math.max(...last);
    return { holds: within(value), detail: `${kind} of the last ${window} ${name} values ${show(value)} ${within(value) ? 'is' : 'is not'} ${bound}` };
  }
  const failing = last.filter((v) => !within(v));
  return failing.length === 0
    ? { holds: true, detail: `${name} ${bound} on the last ${window} value${window === 1 ? '' : 's'} (${last.map(show).join(', ')})` }
    : { holds: false, detail: `${name} ${show(failing[failing.length - 1])} is not ${bound} (last ${window}: ${last.map(show).join(', ')})` };
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function describeBound(c: RuleCondition): string {
  if (c.atLeast !== undefined && c.atMost !== undefined) return `within [${c.atLeast}, ${c.atMost}]`;
  return c.atLeast !== undefined ? `≥ ${c.atLeast}` : `≤ ${c.atMost}`;
}

const PLACEHOLDER = /\$\{([^}]*)\}/g;

/**
 * Fills `${event.data.checkpointId}`-style placeholders from the cause (`event.id`, `event.type`,
 * `event.jobId`, `event.data.…`, `scheduledAt`). A string that is one placeholder takes the
 * value as it is (a number stays a number). Throws an Error naming the placeholder when the
 * cause has no such value.
 */
export function fillTemplates<T>(value: T, cause: Cause): T {
  const root = { event: cause.event ? eventView(cause.event) : null, scheduledAt: cause.scheduledAt };
  const lookup = (expr: string): unknown => {
    const path = expr.trim();
    const found = valueAt(root, path);
    if (found === undefined || found === null || typeof found === 'object') {
      const what = cause.event ? `event ${cause.event.id} (${cause.event.type})` : 'a scheduled firing';
      throw new Error(`template \${${path}}: ${what} has no ${found === null || typeof found === 'object' && found !== undefined ? 'scalar ' : ''}value there`);
    }
    return found;
  };
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const whole = /^\$\{([^}]*)\}$/.exec(v);
      if (whole) return lookup(whole[1]);
      return v.replace(PLACEHOLDER, (_, expr: string) => String(lookup(expr)));
    }
    if (Array.isArray(v)) return v.map(fill);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return fill(value) as T;
}

/**
 * One look at the waiting inbox files of an `on: {inbox: {fewerThan}}` rule. `armed`: the count
 * was seen at or above `fewerThan` since the rule last fired (or the rule never fired). The rule
 * fires when it is armed and the count is below; it is armed again once the count is back at or
 * above: one firing per crossing. Pure.
 */
export function inboxCrossing(armed: boolean, waiting: number, fewerThan: number): { readonly fire: boolean; readonly armed: boolean } {
  if (waiting >= fewerThan) return { fire: false, armed: true };
  return { fire: armed, armed: false };
}
