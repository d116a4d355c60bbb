/** A study's report (`GET /api/v1/studies/:name/report`; core/study-report.ts, docs/studies.md "The report"). */
import { z } from 'zod';
import { jsonNumber, type Wire } from './wire.ts';

export const studyReportQuery = z.object({
  format: z.enum(['json', 'csv', 'md']).default('json').describe('json (this schema), csv (a line per variant, trial and baseline) or md (Markdown a paper can paste)'),
  metrics: z
    .string()
    .max(4000)
    .optional()
    .transform((v) => (v === undefined ? null : v.split(',').map((m) => m.trim()).filter((m) => m !== '')))
    .describe('comma-separated metric names; default: the objective, else every metric the trials reported'),
});

const point = z.object({ step: z.number(), value: jsonNumber.describe('null for ±Infinity') }).nullable();
const stat = z.object({ mean: z.number(), std: z.number().nullable().describe('sample std (n − 1); null for one run'), n: z.number().int() }).nullable();

const outcome = z.object({
  status: z.string().describe('succeeded, failed, stopped-early, held, stopped, or the state of a trial not ended (pending, queued, running, …)'),
  classification: z.string().nullable().describe("a failure's classification (cuda-oom, exit-code, …)"),
  reason: z.string().nullable().describe("early stopping's reason (rung, rank, cutoff), or the stop's or failure's detail"),
});

const evidence = z.object({
  jobId: z.number().int().nullable(),
  runs: z.array(z.object({ id: z.number().int(), attempt: z.number().int(), state: z.string(), startedAt: z.number(), endedAt: z.number().nullable(), log: z.string().describe('the log route of this attempt') })),
  checkpoints: z.array(z.object({ id: z.number().int(), step: z.number(), createdAt: z.number() })),
  artifacts: z.array(z.object({ id: z.number().int(), runId: z.number().int(), name: z.string(), kind: z.string(), step: z.number().nullable(), createdAt: z.number(), url: z.string().describe('the content route') })),
});

const trialRow = z.object({
  index: z.number().int(),
  seed: z.number().nullable(),
  jobId: z.number().int().nullable(),
  state: z.string(),
  outcome,
  metrics: z.record(z.string(), z.object({ final: point, best: point })),
  wallSeconds: z.number(),
  gpuHours: z.number(),
  evidence,
});

export const studyReportSchema = z
  .object({
    study: z.string(),
    state: z.string(),
    objective: z.object({ metric: z.string(), mode: z.enum(['min', 'max']) }).nullable(),
    metrics: z.array(z.object({ name: z.string(), mode: z.enum(['min', 'max']), modeFrom: z.enum(['objective', 'name', 'default']).describe('objective: its mode; name: "loss"/"error" in the name → min; default: max') })),
    differingParams: z.array(z.string()).describe('the params whose values differ across variants'),
    variants: z.array(z.object({
      group: z.number().int(),
      params: z.record(z.string(), z.unknown()),
      seeds: z.array(z.number()),
      metrics: z.record(z.string(), z.object({ final: stat, best: stat, bestStep: stat, marked: z.object({ final: z.boolean(), best: z.boolean() }).describe('this row holds the best mean of the column') })),
      wallSeconds: z.number(),
      gpuHours: z.number().describe('Σ run duration × GPUs held'),
      outcome: z.string().describe('the trials\' outcomes counted ("2 succeeded, 1 failed (cuda-oom)")'),
      trials: z.array(trialRow),
    })).describe('one per variant (a group of trials that differ only in their seed), in index order'),
    baselines: z.array(z.object({ name: z.string(), values: z.record(z.string(), z.number().nullable()) })).describe("the spec's `baselines:`"),
    totals: z.object({ trials: z.number().int(), wallSeconds: z.number(), gpuHours: z.number() }),
    specHash: z.string().describe("sha256 of the spec's canonical JSON"),
    generatedAt: z.number(),
  })
  .meta({ id: 'StudyReport' });

export type StudyReportView = Wire<typeof studyReportSchema>;
