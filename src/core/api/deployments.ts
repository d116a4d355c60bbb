/**
 * Deploy targets and deployments as the API sends them (`/api/v1/deploy/targets…`,
 * `/api/v1/deployments…`), and the bodies those routes read: the JSON forms of
 * `core/deployment.ts`.
 */
import { z } from 'zod';
import { DEPLOY_TARGET_KINDS, DEPLOYMENT_STATES, DEPLOYMENT_STEPS, DEFAULT_WATCH, type DeploymentStep } from '../deployment.ts';
import { MODEL_NAME } from '../registry.ts';
import { epochMs, type Wire } from './wire.ts';

/** A target's name: also a folder under `<data>/deploy/`. */
export const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const targetNameSchema = z.string().regex(TARGET_NAME, 'a target name is 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');
export const deploymentStateSchema = z.enum(DEPLOYMENT_STATES);
const steps = Object.values(DEPLOYMENT_STEPS) as [DeploymentStep, ...DeploymentStep[]];

export const smokeCheckSchema = z.strictObject({
  prompt: z.string().min(1).max(10_000),
  maxTokens: z.number().int().positive().max(4_096).optional().describe('default 16'),
  expect: z.strictObject({
    contains: z.string().optional().describe('the answer contains this text'),
    matches: z.string().optional().describe('the answer matches this regular expression (JavaScript syntax)').superRefine((pattern, ctx) => {
      if (pattern === undefined) return;
      try {
        new RegExp(pattern);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `not a regular expression: ${(error as Error).message}` });
      }
    }),
    minLength: z.number().int().min(0).optional().describe('the answer has at least this many characters'),
    differsFromBase: z.boolean().optional().describe('adapters: the answer differs from the base model\'s'),
  }),
}).meta({ id: 'SmokeCheck' });

export const watchPolicySchema = z.strictObject({
  windowSeconds: z.number().min(0).max(86_400).describe('default 60; 0: no watch'),
  intervalSeconds: z.number().positive().max(3_600).describe('default 5'),
  maxErrorRate: z.number().min(0).max(1).describe('fraction of failed probes (and requests) allowed; default 0'),
  maxLatencyMs: z.number().positive().nullable().describe('median probe latency allowed; null: not checked (default)'),
}).meta({ id: 'WatchPolicy' });

/** A target as declared (`PUT /api/v1/deploy/targets/:name`, a target file); the kind's schema checks `config`. */
export const targetInputSchema = z.strictObject({
  name: targetNameSchema.optional().describe('in a file; the URL names it on PUT (they must agree)'),
  kind: z.enum(DEPLOY_TARGET_KINDS),
  model: z.string().regex(MODEL_NAME, 'a model name'),
  alias: z.string().regex(/^[A-Za-z][A-Za-z0-9._-]{0,63}$/, 'an alias starts with a letter').default('production').describe('the alias it follows; default: production'),
  config: z.record(z.string(), z.unknown()).default({}).describe("the kind's settings (docs/deployment.md)"),
  smoke: smokeCheckSchema.nullable().default(null),
  watch: watchPolicySchema.partial().default({}).transform((w) => ({ ...DEFAULT_WATCH, ...w })),
});
export type TargetInput = z.input<typeof targetInputSchema>;

const currentSchema = z.object({ version: z.number().int(), checkpointId: z.number().int(), deploymentId: z.number().int(), since: epochMs }).nullable()
  .describe('the version it serves (its last successful deployment); null before the first');

export const deployTargetSchema = z.object({
  name: z.string(),
  kind: z.enum(DEPLOY_TARGET_KINDS),
  model: z.string(),
  alias: z.string(),
  config: z.record(z.string(), z.unknown()),
  smoke: smokeCheckSchema.nullable(),
  watch: watchPolicySchema,
  createdAt: epochMs,
  updatedAt: epochMs,
  current: currentSchema,
}).meta({ id: 'DeployTarget' });

export const deploymentSchema = z.object({
  id: z.number().int(),
  target: z.string(),
  model: z.string(),
  version: z.number().int(),
  checkpointId: z.number().int(),
  previousVersion: z.number().int().nullable().describe('what the target served when it was requested: a failure reverts to it'),
  state: deploymentStateSchema,
  steps: z.partialRecord(deploymentStateSchema, epochMs).describe('when each state was (last) entered'),
  reason: z.string().nullable().describe('why it rolled back or failed, naming the step'),
  failedStep: z.enum(steps).nullable(),
  cause: z.string().nullable().describe('why it was asked for'),
  requestedBy: z.string(),
  moveAlias: z.object({ alias: z.string(), expectedFrom: z.number().int().nullable() }).nullable().describe('the alias move made on success'),
  createdAt: epochMs,
  endedAt: epochMs.nullable(),
}).meta({ id: 'Deployment' });

export const targetListSchema = z.object({ targets: z.array(deployTargetSchema) });
export const targetDetailSchema = deployTargetSchema.extend({
  deployments: z.array(deploymentSchema).describe('its last deployments, newest first'),
  live: z.object({
    model: z.string(),
    version: z.number().int(),
    servingName: z.string().nullable().describe('the name clients address the serving version by, where the target has one (vllm-lora: the adapter)'),
  }).nullable().describe('the version the target itself reports (null: none or unknown)'),
}).meta({ id: 'DeployTargetDetail' });
export const deploymentListSchema = z.object({ deployments: z.array(deploymentSchema).describe('newest first') });

export const deployRequestSchema = z.strictObject({
  target: targetNameSchema,
  model: z.string().regex(MODEL_NAME, 'a model name'),
  version: z.union([z.number().int().positive(), z.string().min(1)]).describe('a version number, latest, or an alias'),
  reason: z.string().max(2_000).optional(),
});

export const rollbackRequestSchema = z.strictObject({ reason: z.string().max(2_000).optional() });

export const deploymentQuerySchema = z.object({
  target: targetNameSchema.optional(),
  model: z.string().regex(MODEL_NAME).optional(),
  limit: z.coerce.number().int().positive().max(1_000).default(100),
});

export type ApiDeployTarget = Wire<typeof deployTargetSchema>;
export type ApiDeployTargetDetail = Wire<typeof targetDetailSchema>;
export type ApiDeployment = Wire<typeof deploymentSchema>;
