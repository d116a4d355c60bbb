/**
 * The model registry as the API sends it (`/api/v1/models…`), and the bodies those routes
 * read: the JSON forms of `core/registry.ts`.
 */
import { z } from 'zod';
import { suiteNameSchema } from '../eval-suite.ts';
import { aliasProblem, MAX_TAGS, MODEL_NAME, TAG } from '../registry.ts';
import { epochMs, jsonNumber, type Wire } from './wire.ts';
import { fromSpecSchema, initFromSchema } from './jobs.ts';

export const modelNameSchema = z.string().regex(MODEL_NAME, 'a model name is 1 to 100 letters, digits, ".", "_" or "-", starting with a letter or digit');

/** An alias that may be set by hand: not `latest`, starts with a letter. */
export const aliasNameSchema = z.string().superRefine((alias, ctx) => {
  const problem = aliasProblem(alias);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const tagsInput = z
  .array(z.string().regex(TAG, 'a tag is 1 to 100 characters without spaces, commas or control characters'))
  .max(MAX_TAGS)
  .transform((tags) => [...new Set(tags)]);

const description = z.string().max(2_000);
const notes = z.string().max(10_000);

export const promotionRuleInputSchema = z.strictObject({
  alias: aliasNameSchema.default('production').describe('the alias the rule moves; default: production'),
  margin: z.number().min(0).max(1e12).default(0).describe('how much higher the composite score must be; default: 0'),
  relative: z.boolean().default(false).describe('margin as a fraction of |the alias\'s score| (0.02 = 2 %); default: false'),
  suite: suiteNameSchema.nullable().optional().describe('the eval suite whose evaluations the rule watches and compares; absent or null: every suite'),
  jobTag: z.string().regex(TAG, 'a tag is 1 to 100 characters without spaces, commas or control characters').nullable().optional()
    .describe('only checkpoints of jobs with this tag; absent or null: every job'),
});

export const modelInputSchema = z.strictObject({
  name: modelNameSchema,
  description: description.nullable().optional(),
  tags: tagsInput.optional(),
  promotionRule: promotionRuleInputSchema.nullable().optional().describe('null or absent: nothing is promoted automatically'),
});

export const modelPatchSchema = z.strictObject({
  description: description.nullable().optional(),
  tags: tagsInput.optional(),
  promotionRule: promotionRuleInputSchema.nullable().optional().describe('null removes the rule'),
});

export const versionInputSchema = z.strictObject({
  checkpointId: z.number().int().positive().describe('a registered checkpoint whose file was not deleted'),
  notes: notes.nullable().optional(),
  tags: tagsInput.optional(),
});

export const versionPatchSchema = z.strictObject({
  notes: notes.nullable().optional(),
  tags: tagsInput.optional(),
});

export const aliasMoveInputSchema = z.strictObject({
  version: z.number().int().positive(),
  reason: z.string().max(2_000).optional().describe('why: kept in the alias history'),
  expectedVersion: z.number().int().positive().nullable().optional()
    .describe('compare-and-set: the version you believe the alias points at (null: unset); 409 when it points elsewhere'),
});

export const promotionRuleSchema = z
  .object({
    alias: z.string(),
    margin: z.number(),
    relative: z.boolean(),
    suite: z.string().nullable().optional().describe('the suite it watches; absent or null: every suite'),
    jobTag: z.string().nullable().optional().describe('only jobs with this tag; absent or null: every job'),
  })
  .meta({ id: 'PromotionRule', description: 'promote when the composite score beats the alias by the margin and no regression alarm was raised' });

export const modelSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string().nullable(),
    tags: z.array(z.string()),
    promotionRule: promotionRuleSchema.nullable(),
    createdAt: epochMs,
    createdBy: z.string().describe("a token's name (or role and id), or system"),
    updatedAt: epochMs,
  })
  .meta({ id: 'Model' });

export const modelSummarySchema = modelSchema
  .extend({
    latest: z.number().int().nullable().describe('the highest version; null before the first'),
    versions: z.number().int(),
    aliases: z.record(z.string(), z.number().int()).describe('alias → version (latest is not stored: see `latest`)'),
  })
  .meta({ id: 'ModelSummary' });

export const modelListSchema = z.object({ models: z.array(modelSummarySchema).describe('by name') });

export const lineageSchema = z
  .object({
    checkpoint: z.object({ id: z.number().int(), step: z.number(), path: z.string(), bytes: z.number().int(), metrics: z.record(z.string(), jsonNumber), createdAt: epochMs }),
    job: z.object({
      id: z.number().int(),
      name: z.string(),
      params: z.record(z.string(), z.unknown()),
      paramsOverride: z.record(z.string(), z.unknown()).nullable(),
      from: initFromSchema
        .extend({
          declared: fromSpecSchema,
          checkpointVersions: z.array(z.object({ model: z.string(), version: z.number().int() })).describe('the model versions pinning that checkpoint when this version was made'),
        })
        .nullable()
        .describe("what the job started from (its spec's `from:`, resolved at submit), null when nothing"),
    }),
    run: z.object({ id: z.number().int(), attempt: z.number().int() }),
    datasets: z.array(z.object({ role: z.string(), name: z.string(), version: z.number().int(), versionId: z.number().int(), sha256: z.string() })).describe('the dataset versions the run read'),
    evaluations: z
      .array(z.object({
        id: z.number().int(),
        suite: z.string(),
        suiteVersion: z.number().int(),
        state: z.enum(['running', 'done']),
        verdict: z.enum(['pass', 'fail', 'no-baseline']).nullable(),
        score: jsonNumber.nullable(),
        values: z.record(z.string(), jsonNumber),
        regressed: z.boolean(),
        override: z.object({ by: z.string(), reason: z.string() }).nullable(),
        endedAt: epochMs.nullable(),
      }))
      .describe("the checkpoint's evaluations when the version was made, oldest first"),
  })
  .meta({ id: 'VersionLineage', description: 'where a version came from, recorded when it was made' });

export const modelVersionSchema = z
  .object({
    id: z.number().int(),
    model: z.string(),
    version: z.number().int(),
    checkpointId: z.number().int(),
    notes: z.string().nullable(),
    tags: z.array(z.string()),
    lineage: lineageSchema,
    aliases: z.array(z.string()).describe('aliases pointing at it now'),
    createdAt: epochMs,
    createdBy: z.string(),
    updatedAt: epochMs,
  })
  .meta({ id: 'ModelVersion' });

export const createdVersionSchema = modelVersionSchema.extend({ created: z.boolean().describe('false: the checkpoint was a version of this model already') });

export const modelAliasSchema = z
  .object({ alias: z.string(), version: z.number().int(), movedAt: epochMs, movedBy: z.string(), reason: z.string().nullable() })
  .meta({ id: 'ModelAlias' });

export const aliasMoveSchema = z
  .object({
    id: z.number().int(),
    model: z.string(),
    alias: z.string(),
    from: z.number().int().nullable().describe('null: it was unset'),
    to: z.number().int().nullable().describe('null: the move deleted it'),
    by: z.string(),
    reason: z.string().nullable(),
    at: epochMs,
  })
  .meta({ id: 'AliasMove', description: 'one entry of the append-only alias history' });

export const modelDetailSchema = modelSchema.extend({
  latest: z.number().int().nullable(),
  versions: z.array(modelVersionSchema).describe('oldest first'),
  aliases: z.array(modelAliasSchema).describe('by name'),
});

export const aliasMoveResultSchema = z.object({
  alias: modelAliasSchema.nullable().describe('where it points now; null when unset'),
  move: aliasMoveSchema.nullable().describe('the history entry written; null when it pointed there already'),
});

export const aliasHistorySchema = z.object({ moves: z.array(aliasMoveSchema).describe('oldest first') });

export type ModelInput = z.input<typeof modelInputSchema>;
export type ModelPatchInput = z.input<typeof modelPatchSchema>;
export type VersionInput = z.input<typeof versionInputSchema>;
export type VersionPatchInput = z.input<typeof versionPatchSchema>;
export type AliasMoveInput = z.input<typeof aliasMoveInputSchema>;
export type ApiModel = Wire<typeof modelSchema>;
export type ApiModelSummary = Wire<typeof modelSummarySchema>;
export type ApiModelDetail = Wire<typeof modelDetailSchema>;
export type ApiModelVersion = Wire<typeof modelVersionSchema>;
export type ApiCreatedVersion = Wire<typeof createdVersionSchema>;
export type ApiModelAlias = Wire<typeof modelAliasSchema>;
export type ApiAliasMove = Wire<typeof aliasMoveSchema>;
export type ApiAliasMoveResult = Wire<typeof aliasMoveResultSchema>;
