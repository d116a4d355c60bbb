/**
 * Automation rules: "on EVENT [where FILTER] [if CONDITION] do ACTION" (docs/automations.md).
 *
 * Terminology:
 * - rule: a named trigger (`on`), an optional filter on the event (`where`), an optional
 *   built-in condition over the last values of a metric (`condition`), and one action (`do`).
 * - firing: one rule acting on one cause (an event, or a scheduled time); recorded once per
 *   (rule, cause), with its state, result and the depth of its cause chain.
 * - depth: how many firings led to the cause. An event of something an action made (the job a
 *   `submit` created, the evaluation an `eval` started) has the depth of that firing; a firing's
 *   depth is its cause's depth + 1. Firings deeper than `AUTOMATION_LIMITS.maxDepth` are refused.
 *
 * This file is the schema (zod) and the parse; automation-match.ts decides what a rule does
 * with an event. Pure: no I/O.
 */
import { z } from 'zod';
import { ValidationError } from './errors.ts';
import { DOMAIN_EVENT_TYPES, type DomainEventType } from './events.ts';
import { closestIssue, describeIssue, issueField } from './issue-message.ts';

/** The loop limits (documented in docs/automations.md). */
export const AUTOMATION_LIMITS = Object.freeze({
  /** A firing whose cause chain holds more firings than this is refused. Default: 3. */
  maxDepth: 3,
  /** A rule that fired this many times in the last minute is refused until the minute passes. Default: 20. */
  maxFiringsPerMinute: 20,
});

/** Names a rule may have: they appear in URLs and file names. */
const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export const ruleNameSchema = z.string().regex(RULE_NAME, 'must be 1–100 letters, digits, ".", "_" or "-", starting with a letter or digit');

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** `where`: dotted paths into the event (`data.verdict`, `jobId`) → a value, or a list (any of). */
export const whereSchema = z.record(z.string().min(1), z.union([scalar, z.array(scalar).min(1)]));

const eventTrigger = z.enum(DOMAIN_EVENT_TYPES as unknown as [DomainEventType, ...DomainEventType[]]);
const scheduleTrigger = z.strictObject({
  /** Cron syntax (5 or 6 fields), read by croner. */
  schedule: z.string().min(1),
  /** IANA time zone the schedule is read in. Default: the server's. */
  timezone: z.string().min(1).optional(),
});
const metricTrigger = z.strictObject({
  /** A metric of evaluation results (`evaluation.done`'s diffs), or `score`. */
  metric: z.string().min(1),
  /** Only evaluations by this suite. */
  suite: z.string().min(1).optional(),
});
/** `on: {inbox: {fewerThan, priority}}`: the waiting inbox files fell below N (automations.ts has the crossing). */
const inboxTrigger = z.strictObject({
  inbox: z.strictObject({
    /** Fires when the number of waiting files falls below this (once per crossing). */
    fewerThan: z.int().min(1).max(1_000_000),
    /** Count only this priority folder's files. Default: all three. */
    priority: z.enum(['high', 'normal', 'low']).optional(),
  }),
});

export const conditionSchema = z
  .strictObject({
    /** Which metric. Default: the trigger's `metric`. */
    metric: z.string().min(1).optional(),
    /** Each of the last K values passes the bound. Default (no other form given): 1, this value. */
    consecutive: z.int().min(1).max(1000).optional(),
    /** The average of the last N values passes the bound. */
    avg: z.int().min(1).max(1000).optional(),
    min: z.int().min(1).max(1000).optional(),
    max: z.int().min(1).max(1000).optional(),
    /** The mean of the last N values minus the mean of the N before passes the bound. */
    change: z.int().min(1).max(500).optional(),
    atLeast: z.number().optional(),
    atMost: z.number().optional(),
  })
  .superRefine((c, ctx) => {
    const forms = (['consecutive', 'avg', 'min', 'max', 'change'] as const).filter((k) => c[k] !== undefined);
    if (forms.length > 1) ctx.addIssue({ code: 'custom', path: [forms[1]], message: `give one of consecutive, avg, min, max, change, got ${forms.join(' and ')}` });
    if (c.atLeast === undefined && c.atMost === undefined) ctx.addIssue({ code: 'custom', path: ['atLeast'], message: 'is required (expected a number: the bound, atLeast or atMost)' });
  });

const template = z.union([z.string(), z.number()]);

const ACTION_KINDS = ['submit', 'eval', 'deploy', 'pause', 'stop', 'webhook', 'promote', 'curriculum'] as const;

/**
 * `do: {promote}`: the registry's promotion decision (core/promotion.ts) for the evaluation of
 * an `evaluation.done`/`evaluation.overridden` event, with this rule instead of the model's own.
 */
export const promoteActionSchema = z.strictObject({
  model: z.string().min(1),
  /** The alias it moves. Default: production. */
  alias: z.string().min(1).default('production'),
  /** How much the candidate's score must beat the alias's by. Default: 0. */
  margin: z.number().min(0).default(0),
  /** Whether `margin` is a fraction of |the alias's score|. Default: false. */
  relative: z.boolean().default(false),
});

/** `do`: exactly one of the actions (docs/automations.md). */
export const actionSchema = z
  .strictObject({
    /** A job spec (as in a job file) with `${event.…}` placeholders, validated when filled. */
    submit: z.record(z.string(), z.unknown()).optional(),
    eval: z.strictObject({ suite: z.string().min(1), checkpoint: template.optional() }).optional(),
    deploy: z.strictObject({ target: z.string().min(1), model: z.string().min(1), version: template }).optional(),
    /** Default job: the event's. */
    pause: z.strictObject({ job: template.optional() }).nullable().optional(),
    stop: z.strictObject({ job: template.optional() }).nullable().optional(),
    webhook: z
      .strictObject({
        url: z.url({ protocol: /^https?$/ }),
        /** The NAME of the environment variable holding the HMAC secret (never the secret). */
        secretEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
        /** Tries after the first. Default: 4. */
        retries: z.int().min(0).max(10).default(4),
        /** Per try. Default: 10. */
        timeoutSeconds: z.number().positive().max(300).default(10),
      })
      .optional(),
    promote: promoteActionSchema.optional(),
    /** Submits the current level's job (`train`) or data-generation job (`generate`) of a curriculum (docs/curriculum.md). */
    curriculum: z.strictObject({ name: z.string().min(1), run: z.enum(['train', 'generate']).default('train') }).optional(),
  })
  .superRefine((action, ctx) => {
    const given = ACTION_KINDS.filter((k) => k in action);
    if (given.length !== 1) {
      ctx.addIssue({ code: 'custom', path: given.length > 1 ? [given[1]] : [], message: `give exactly one action (${ACTION_KINDS.join(', ')}), got ${given.length === 0 ? 'none' : given.join(' and ')}` });
    }
  });

export const ruleSchema = z.strictObject({
  name: ruleNameSchema,
  description: z.string().optional(),
  on: z.union([eventTrigger, scheduleTrigger, metricTrigger, inboxTrigger]),
  where: whereSchema.optional(),
  condition: conditionSchema.optional(),
  do: actionSchema,
  /** After a firing, matching causes within this many seconds are skipped. Default: 0. */
  cooldownSeconds: z.number().min(0).default(0),
  enabled: z.boolean().default(true),
});

export type AutomationRule = z.infer<typeof ruleSchema>;
export type RuleTrigger = AutomationRule['on'];
export type RuleCondition = z.infer<typeof conditionSchema>;
export type RuleAction = z.infer<typeof actionSchema>;
export type PromoteAction = z.infer<typeof promoteActionSchema>;
export type InboxTrigger = z.infer<typeof inboxTrigger>['inbox'];

/** The inbox trigger of a rule, or null. */
export function inboxTriggerOf(on: RuleTrigger): InboxTrigger | null {
  return typeof on === 'object' && 'inbox' in on ? on.inbox : null;
}

/** The events a `promote` action reads its evaluation from. */
export const PROMOTE_EVENTS: readonly DomainEventType[] = ['evaluation.done', 'evaluation.overridden'];
export type ActionKind = (typeof ACTION_KINDS)[number];

/** The file `<data>/automations.yaml`: `rules:` a list of rules. */
export const rulesFileSchema = z.strictObject({ rules: z.array(ruleSchema).default([]) });

export type FiringState = 'running' | 'succeeded' | 'failed' | 'refused' | 'skipped';

/** Where a rule comes from: the rules file, or the API (`PUT /api/v1/rules/:name`). */
export type RuleSource = 'file' | 'api';

/** A stored rule. */
export interface StoredRule {
  readonly name: string;
  readonly rule: AutomationRule;
  readonly enabled: boolean;
  readonly source: RuleSource;
  readonly updatedAt: number;
}

/** One firing of a rule. */
export interface Firing {
  readonly id: number;
  readonly rule: string;
  /** The event that caused it; null for a scheduled firing. */
  readonly eventId: number | null;
  /** The scheduled time (epoch ms) of a schedule's firing; null for an event's. */
  readonly scheduledAt: number | null;
  readonly action: ActionKind;
  readonly state: FiringState;
  /** What the action did or why it did not ("job 12 submitted", "HTTP 500 after 5 tries"). */
  readonly detail: string | null;
  /** What the action made, so that its events carry this firing's depth. */
  readonly madeJobId: number | null;
  readonly madeDeploymentId: number | null;
  readonly depth: number;
  readonly startedAt: number;
  readonly endedAt: number | null;
}

export function actionKind(action: RuleAction): ActionKind {
  return ACTION_KINDS.find((k) => k in action) ?? 'stop';
}

/** The event types a rule listens to (none: a schedule or the inbox). */
export function triggerTypes(on: RuleTrigger): DomainEventType[] {
  if (typeof on === 'string') return [on];
  if ('metric' in on) return ['evaluation.done'];
  return [];
}

/**
 * Validates a rule (from the API). Throws ValidationError naming the field (`do.webhook.url`),
 * what was expected and what came; `check` adds checks the core cannot make (cron syntax).
 */
export function parseRule(input: unknown, check?: RuleCheck): AutomationRule {
  const result = ruleSchema.safeParse(input, { reportInput: true });
  if (!result.success) throw ruleError(result.error, '');
  return checked(result.data, '', check);
}

/** A check beyond the schema: returns the problem (with the field under the rule) or null. */
export type RuleCheck = (rule: AutomationRule) => { readonly field: string; readonly message: string } | null;

/** Validates a rules file's content; ValidationError fields are dotted from the top (`rules.1.on`). */
export function parseRulesFile(input: unknown, check?: RuleCheck): AutomationRule[] {
  const result = rulesFileSchema.safeParse(input ?? {}, { reportInput: true });
  if (!result.success) throw ruleError(result.error, '');
  const seen = new Map<string, number>();
  for (const [i, rule] of result.data.rules.entries()) {
    const before = seen.get(rule.name);
    if (before !== undefined) throw new ValidationError(`rule name ${JSON.stringify(rule.name)} is used twice (also rules.${before}.name)`, `rules.${i}.name`, { code: 'invalid_rule' });
    seen.set(rule.name, i);
    checked(rule, `rules.${i}.`, check);
  }
  return result.data.rules;
}

function checked(rule: AutomationRule, prefix: string, check?: RuleCheck): AutomationRule {
  if (typeof rule.on === 'object' && 'metric' in rule.on && !rule.condition) {
    throw new ValidationError('is required with `on: {metric}` (expected e.g. {atLeast: 0.8, consecutive: 3})', `${prefix}condition`, { code: 'invalid_rule' });
  }
  if (rule.condition && !rule.condition.metric && !(typeof rule.on === 'object' && 'metric' in rule.on)) {
    throw new ValidationError('is required unless the rule is `on: {metric}` (expected the metric the condition reads)', `${prefix}condition.metric`, { code: 'invalid_rule' });
  }
  if (rule.do.promote && !(typeof rule.on === 'string' && PROMOTE_EVENTS.includes(rule.on)) && !(typeof rule.on === 'object' && 'metric' in rule.on)) {
    throw new ValidationError(`needs an evaluation: expected \`on: evaluation.done\`, \`on: evaluation.overridden\` or \`on: {metric}\`, got ${JSON.stringify(rule.on)}`, `${prefix}on`, { code: 'invalid_rule' });
  }
  const problem = check?.(rule);
  if (problem) throw new ValidationError(problem.message, `${prefix}${problem.field}`, { code: 'invalid_rule' });
  return rule;
}

function ruleError(error: z.ZodError, prefix: string): ValidationError {
  const issue = closestIssue(triggerBranch(error.issues[0]));
  const field = issueField(issue);
  return new ValidationError(describeIssue(issue), field ? `${prefix}${field}` : null, { code: 'invalid_rule' });
}

const TRIGGER_KEYS = ['schedule', 'metric', 'inbox'];

/**
 * An `on` object that names its kind (`inbox`, `schedule`, `metric`) is reported against that
 * kind's schema, not the first alternative's (`on.inbox.priority`, not `on.schedule`).
 */
function triggerBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || issue.path.at(-1) !== 'on' || issue.input === null || typeof issue.input !== 'object') return issue;
  const key = TRIGGER_KEYS.find((k) => k in (issue.input as object));
  const branch = key === undefined ? undefined : issue.errors.find((b) => b.length > 0 && b[0].path[0] === key);
  return branch ? ({ ...branch[0], path: [...issue.path, ...branch[0].path] } as z.core.$ZodIssue) : issue;
}
