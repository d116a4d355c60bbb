/** Studies (`/api/v1/studies`; core/study.ts, docs/studies.md). */
import { z } from 'zod';
import { JOB_STATES } from '../types.ts';
import { STUDY_STATES } from '../study-record.ts';
import { studyNameSchema } from '../study.ts';
import { jsonNumber, type Wire } from './wire.ts';

export const studyNameParams = z.object({ name: studyNameSchema });

export const studySubmitQuery = z.object({
  dryRun: z.enum(['true', 'false']).optional().transform((v) => v === 'true').describe('true: validate and expand, answer every variant and the rung plan, store nothing'),
});

/** The body: a study spec as in a study file (docs/studies.md); `job.cwd` absolute. */
export const studyInputSchema = z.record(z.string(), z.unknown()).describe('a study spec as in a study file (docs/studies.md), job.cwd absolute');

const searchKind = z.enum(['grid', 'random', 'list', 'external']);
const objective = z.object({ metric: z.string(), mode: z.enum(['min', 'max']) }).nullable();

export const trialViewSchema = z
  .object({
    index: z.number().int(),
    params: z.record(z.string(), z.unknown()).describe("the variant's params, merged over job.params"),
    seed: z.number().nullable(),
    group: z.number().int().describe('trials that differ only in their seed share a group'),
    jobId: z.number().int().nullable().describe('null until launched'),
    state: z.enum(['pending', ...JOB_STATES]).describe("pending, else its job's state"),
    outcome: z.object({ kind: z.string(), detail: z.string() }).nullable().describe("the job's outcome (kind is the classification)"),
    launchedAt: z.number().nullable(),
    endedAt: z.number().nullable(),
    objective: z.object({ step: z.number(), value: jsonNumber }).nullable().describe("the objective metric's latest point"),
    decision: z
      .object({
        policy: z.enum(['asha', 'median', 'external']).describe('external: the searcher pruned it or gave it up (tell)'),
        action: z.enum(['continue', 'stop', 'pause', 'resume']).describe('what the runner did; resume: a trial early stopping paused, resumed when the study was widened (it ranked in at its rung)'),
        step: z.number().describe('the rung (ASHA) or the step checked (median)'),
        value: jsonNumber,
        cutoff: jsonNumber,
        rank: z.number().int().nullable(),
        of: z.number().int().nullable(),
        reason: z.string(),
        decidedAt: z.number(),
      })
      .nullable()
      .describe('the last early-stopping decision recorded'),
  })
  .meta({ id: 'StudyTrial' });

const countsSchema = z.object({ pending: z.number().int(), active: z.number().int(), held: z.number().int(), succeeded: z.number().int(), failed: z.number().int(), stopped: z.number().int() });

export const studySummarySchema = z
  .object({
    name: z.string(),
    state: z.enum(STUDY_STATES),
    reason: z.string().nullable().describe('why it is paused or stopped (the circuit breaker says which failures tripped it)'),
    trialCount: z.number().int().describe('its trials: the runs it may launch (the exact cap)'),
    counts: countsSchema.describe('active: launched and not ended (each holds a slot); held: paused by early stopping (no slot)'),
    parallelism: z.number().int(),
    maxRuns: z.number().int(),
    search: searchKind,
    objective,
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'StudySummary' });

export const studyViewSchema = studySummarySchema
  .extend({
    spec: z.record(z.string(), z.unknown()).describe('the validated spec'),
    rungs: z.array(z.number()).nullable().describe("ASHA's rungs (steps); null without ASHA"),
    best: z.object({ index: z.number().int(), jobId: z.number().int(), value: z.number() }).nullable().describe('the trial with the best latest objective value'),
    trials: z.array(trialViewSchema),
  })
  .meta({ id: 'Study' });

export const studyListSchema = z.object({ studies: z.array(studySummarySchema).describe('newest first') }).meta({ id: 'StudyList' });

export const dryRunViewSchema = z
  .object({
    dryRun: z.literal(true),
    name: z.string(),
    search: searchKind,
    size: z.string().describe('how the trials were counted ("grid of 4 × 3 = 12 trials")'),
    trialCount: z.number().int(),
    parallelism: z.number().int(),
    maxRuns: z.number().int(),
    rungs: z.array(z.number()).nullable().describe("ASHA's rung plan (steps)"),
    earlyStopping: z.record(z.string(), z.unknown()).nullable(),
    variants: z.array(z.object({ index: z.number().int(), params: z.record(z.string(), z.unknown()), seed: z.number().nullable(), group: z.number().int() })),
  })
  .meta({ id: 'StudyDryRun' });

export const studySubmitResultSchema = z.union([studyViewSchema, dryRunViewSchema]);

/** `POST /api/v1/studies/:name/widen` (core/study-widen.ts). */
export const studyWidenBodySchema = z
  .strictObject({
    maxRuns: z.number().int().min(1).optional().describe('the new exact cap on the trials: at least the trials made and the current maxRuns; a random search draws more variants, an external searcher may ask for more'),
    resumePaused: z.boolean().optional().describe('resume the trials ASHA paused (action: pause) that now rank among the best at their rung, up to the free parallelism slots'),
  })
  .meta({ id: 'StudyWiden' });

const standingSchema = z.object({
  index: z.number().int(),
  rung: z.number().describe('the rung (step) it was paused at'),
  value: jsonNumber.describe("its objective value at the rung"),
  rank: z.number().int().nullable().describe('its rank among the values now known at the rung (1 = best); null without a value'),
  of: z.number().int().describe('how many values are known at the rung'),
  keep: z.number().int().describe('how many continue at the rung: max(1, ⌊of/η⌋)'),
  cutoff: jsonNumber.describe('the worst value that continues at the rung now'),
  promotable: z.boolean().describe('it ranks in now (held only for want of a free parallelism slot when not resumed)'),
  reason: z.string(),
});

export const studyWidenResultSchema = z
  .object({
    study: studyViewSchema,
    added: z.number().int().describe('trials added (pending: they launch as slots free up)'),
    reopened: z.boolean().describe('the study had completed and runs again'),
    resumed: z.array(standingSchema).describe('trials ASHA paused that rank in now: their jobs resumed'),
    held: z.array(standingSchema).describe('trials ASHA paused that stay paused (below the cutoff at their rung, or no free slot), with why'),
  })
  .meta({ id: 'StudyWidenResult' });

export type TrialView = Wire<typeof trialViewSchema>;
export type StudySummary = Wire<typeof studySummarySchema>;
export type StudyView = Wire<typeof studyViewSchema>;
export type DryRunView = Wire<typeof dryRunViewSchema>;
export type StudyWidenBody = z.output<typeof studyWidenBodySchema>;
export type StudyWidenResult = Wire<typeof studyWidenResultSchema>;
