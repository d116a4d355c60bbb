/** Automation rules and their firings (`/api/v1/rules`; core/automation.ts, docs/automations.md). */
import { z } from 'zod';
import { ruleNameSchema, ruleSchema } from '../automation.ts';
import type { Wire } from './wire.ts';

export const ruleNameParams = z.object({ name: ruleNameSchema });

/** `PUT /api/v1/rules/:name`: a rule; its name is the URL's (a `name` in the body must agree). */
export const ruleInputSchema = ruleSchema.extend({ name: ruleNameSchema.optional() }).describe('a rule as in automations.yaml (docs/automations.md)');

export const storedRuleSchema = z
  .object({
    name: z.string(),
    rule: ruleSchema,
    enabled: z.boolean().describe('as toggled (enable/disable); a file rule keeps its toggle while the file keeps its `enabled`'),
    source: z.enum(['file', 'api']).describe('file: automations.yaml (edit the file to change it); api: PUT /api/v1/rules/:name'),
    updatedAt: z.number().describe('epoch ms'),
  })
  .meta({ id: 'Rule' });

export const rulesFileStatusSchema = z.object({
  path: z.string(),
  error: z
    .object({ message: z.string(), line: z.number().int().nullable(), column: z.number().int().nullable(), field: z.string().nullable() })
    .nullable()
    .describe('the last load failed: the previous rules stay in force'),
  loadedAt: z.number().nullable().describe('epoch ms of the last good load'),
});

export const ruleListSchema = z.object({ rules: z.array(storedRuleSchema).describe('by name'), file: rulesFileStatusSchema }).meta({ id: 'RuleList' });

export const firingSchema = z
  .object({
    id: z.number().int(),
    rule: z.string(),
    eventId: z.number().int().nullable().describe('the event that caused it; null for a schedule'),
    scheduledAt: z.number().nullable().describe("epoch ms of a schedule's slot"),
    action: z.enum(['submit', 'eval', 'deploy', 'pause', 'stop', 'webhook', 'promote', 'curriculum']),
    state: z.enum(['running', 'succeeded', 'failed', 'refused', 'skipped']),
    detail: z.string().nullable().describe('what the action did, or why it did not'),
    madeJobId: z.number().int().nullable(),
    madeDeploymentId: z.number().int().nullable(),
    depth: z.number().int().describe('firings in its cause chain, itself included (at most 3)'),
    startedAt: z.number(),
    endedAt: z.number().nullable(),
  })
  .meta({ id: 'Firing' });

export const firingListSchema = z.object({ firings: z.array(firingSchema).describe('newest first') });

export const firingsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) });

export const ruleTestInputSchema = z
  .strictObject({
    eventId: z.number().int().positive().optional().describe('one event'),
    last: z.number().int().min(1).max(1000).optional().describe("the last N events of the rule's types (a schedule: its next N slots). Default: 10"),
  })
  .refine((b) => b.eventId === undefined || b.last === undefined, { message: 'give eventId or last, not both', path: ['last'] });

export const dryRunSchema = z.object({
  eventId: z.number().int().nullable(),
  eventType: z.string().nullable(),
  scheduledAt: z.number().nullable(),
  decision: z.enum(['fire', 'skipped', 'refused', 'no-match']),
  detail: z.string(),
  action: z.string().nullable().describe('what it would do (fire only)'),
  firing: firingSchema.nullable().describe('recorded for this event already: it will not fire on it again'),
});

export const ruleTestResultSchema = z.object({ rule: z.string(), results: z.array(dryRunSchema).describe('oldest first; nothing was done') }).meta({ id: 'RuleTest' });

export const ruleDeletedSchema = z.object({ name: z.string(), deleted: z.literal(true) });

export type RuleInput = z.input<typeof ruleInputSchema>;
export type RuleInfo = Wire<typeof storedRuleSchema>;
export type RuleList = Wire<typeof ruleListSchema>;
export type FiringInfo = Wire<typeof firingSchema>;
export type RuleTestResult = Wire<typeof ruleTestResultSchema>;
