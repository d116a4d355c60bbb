/**
 * Retention as the API sends it: the global policy (`GET/PUT /api/v1/retention`) and a
 * collection's report (`POST /api/v1/gc`): the JSON forms of `core/retention.ts` and
 * `core/gc-report.ts` (docs/retention.md).
 */
import { z } from 'zod';
import { JOB_STATES } from '../types.ts';
import { epochMs, type Wire } from './wire.ts';

/** The keep rules as a job spec (`retention:`) or `PUT /api/v1/retention` gives them. */
export const retentionPolicyInput = z.strictObject({
  keepLatest: z.number().int().min(0).max(100_000).optional().describe('keep the newest N by step; 0: this rule keeps nothing'),
  keepBest: z
    .strictObject({
      metric: z.string().min(1).max(300).describe('a training metric registered with the checkpoint, or SUITE/METRIC of an evaluation (SUITE/score: its composite score)'),
      goal: z.enum(['min', 'max']),
      count: z.number().int().min(1).max(100_000),
    })
    .optional()
    .describe('keep the best `count` by a metric'),
  keepEvery: z.number().int().min(1).max(1e12).optional().describe('keep every checkpoint whose step is a multiple of N'),
});

export const retentionPolicySchema = z
  .object({
    keepLatest: z.number().int().optional().describe('keep the newest N by step'),
    keepBest: z.object({ metric: z.string(), goal: z.enum(['min', 'max']), count: z.number().int() }).optional()
      .describe('keep the best `count` by a training metric, or by SUITE/METRIC (SUITE/score) of an evaluation'),
    keepEvery: z.number().int().optional().describe('keep each checkpoint whose step is a multiple of N'),
  })
  .meta({ id: 'RetentionPolicy', description: 'Keep rules; a checkpoint any rule keeps is kept. No rule at all: keep everything' });

/** `PUT /api/v1/retention`: the global policy, or null to remove it. */
export const retentionPolicyBodySchema = z.strictObject({
  policy: retentionPolicyInput.nullable().describe('null: no global policy (jobs without their own keep their latest keepCheckpoints, default 3)'),
});

export const globalRetentionSchema = z
  .object({
    policy: retentionPolicySchema.nullable().describe('null: none set'),
    updatedAt: epochMs.nullable(),
    updatedBy: z.string().nullable(),
  })
  .meta({ id: 'GlobalRetention', description: 'The policy of jobs that have none of their own' });

export const gcRequestSchema = z.strictObject({
  dryRun: z.boolean().default(false).describe('true: report what would go, delete nothing'),
  jobId: z.number().int().positive().optional().describe('only this job; default: every job with live checkpoints'),
});

const keptSchema = z.object({
  checkpointId: z.number().int(),
  step: z.number(),
  bytes: z.number(),
  reasons: z.array(z.string()).describe('protections first, then the keep rules that hold it'),
  protected: z.boolean().describe('a protection keeps it: disk pressure leaves it too'),
  fileMissing: z.boolean().describe('its file is gone although it was not deleted by Trainyard'),
});

const removedSchema = z.object({
  checkpointId: z.number().int(),
  step: z.number(),
  path: z.string(),
  bytes: z.number().describe('freed (dry run: that would be); 0 when the file was gone already'),
  reason: z.string(),
  note: z.string().nullable().describe('"its file was already gone", else null'),
});

const failedSchema = z.object({ checkpointId: z.number().int(), step: z.number(), error: z.string() });

export const gcJobReportSchema = z.object({
  jobId: z.number().int(),
  name: z.string(),
  state: z.enum(JOB_STATES),
  policy: retentionPolicySchema,
  policySource: z.enum(['job', 'global', 'default']).describe("the job's own, the global policy, or the default (latest keepCheckpoints)"),
  kept: z.array(keptSchema),
  removed: z.array(removedSchema),
  failed: z.array(failedSchema),
  bytesFreed: z.number(),
});

export const gcReportSchema = z
  .object({
    dryRun: z.boolean(),
    jobs: z.array(gcJobReportSchema).describe('jobs with live checkpoints, by id'),
    removed: z.number().int(),
    failed: z.number().int(),
    bytesFreed: z.number(),
  })
  .meta({ id: 'GcReport', description: 'Per job: what went (or would go) and why, what is kept and why, the bytes freed' });

export type ApiRetentionPolicy = Wire<typeof retentionPolicySchema>;
export type ApiGlobalRetention = Wire<typeof globalRetentionSchema>;
export type ApiGcReport = Wire<typeof gcReportSchema>;
export type ApiGcJobReport = Wire<typeof gcJobReportSchema>;
export type RetentionPolicyBody = z.input<typeof retentionPolicyBodySchema>;
export type GcRequest = z.input<typeof gcRequestSchema>;
