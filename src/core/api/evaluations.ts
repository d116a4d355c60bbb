/**
 * Eval suites, evaluations and leaderboards as the API sends them (`/api/v1/eval-suites…`,
 * `/api/v1/evaluations…`, and the evaluations inside a job's checkpoint list). Each schema is
 * the JSON form of a domain type of `core/eval-suite.ts`, `core/eval-record.ts` or
 * `core/evaluation.ts`; `api.test.ts` checks that they have the same fields.
 */
import { z } from 'zod';
import { checkpointSchema, jobStateSchema } from './jobs.ts';
import { epochMs, jsonNumber, type Wire } from './wire.ts';

const goal = z.enum(['min', 'max']).describe('min: lower is better; max: higher is better');
const valueThreshold = z.object({ lower: z.number().optional(), upper: z.number().optional() });
const changeThreshold = z.object({ absolute: z.number().optional(), relative: z.number().optional() });

export const suiteMetricSchema = z
  .object({
    name: z.string(),
    goal,
    value: valueThreshold.optional().describe('bounds on the value itself'),
    change: changeThreshold.optional().describe('bounds on the change against the baseline, in the better direction'),
    weight: z.number().optional().describe('weight in the composite score'),
  })
  .meta({ id: 'SuiteMetric' });

export const evalSuiteSchema = z
  .object({
    name: z.string(),
    version: z.number().int().describe('1, 2, …: each replaced definition is the next version'),
    description: z.string().nullable(),
    command: z.array(z.string()),
    shell: z.boolean(),
    cwd: z.string(),
    env: z.record(z.string(), z.string()),
    datasets: z.record(z.string(), z.string()).optional().describe('role → name@version, pinned when saved'),
    resources: z.object({ gpus: z.number().int(), cpus: z.number().int() }),
    timeLimitSeconds: z.number().nullable(),
    maxRetries: z.number().int(),
    metrics: z.array(suiteMetricSchema),
    baseline: z
      .object({
        label: z.string(),
        values: z.record(z.string(), z.number()).nullable().describe('a fixed reference result'),
        model: z.string().nullable().describe('a model version whose results are the baseline (resolved by the registry)'),
      })
      .nullable(),
    regression: z.object({ tolerance: z.number().describe('0.15: 15 % worse than the best earlier evaluation raises the alarm') }),
    createdAt: epochMs,
  })
  .meta({ id: 'EvalSuite' });

export const metricDiffSchema = z
  .object({
    metric: z.string(),
    goal,
    value: jsonNumber.describe('null when not reported'),
    baseline: jsonNumber,
    absolute: jsonNumber.describe('value − baseline'),
    relative: jsonNumber.describe('(value − baseline) / |baseline|; null when the baseline is 0'),
    threshold: z.object({ value: valueThreshold.optional(), change: changeThreshold.optional() }),
    failed: z.string().nullable().describe('why this metric failed; null when it passed'),
  })
  .meta({ id: 'MetricDiff' });

export const regressionSchema = z
  .object({
    metric: z.string(),
    value: z.number(),
    best: z.number().describe('the best earlier value'),
    worseBy: z.number().describe('relative to |best|: 0.2 is 20 % worse'),
    detail: z.string(),
  })
  .meta({ id: 'Regression' });

export const verdictSchema = z.enum(['pass', 'fail', 'no-baseline']).meta({ id: 'Verdict' });

export const evaluationResultSchema = z
  .object({
    verdict: verdictSchema,
    summary: z.string(),
    values: z.record(z.string(), z.number()).describe('the latest value of each suite metric'),
    score: jsonNumber.describe('the composite score, higher is better'),
    baseline: z.object({ label: z.string(), values: z.record(z.string(), z.number()), score: jsonNumber }).nullable(),
    scoreDelta: jsonNumber.describe('score − baseline score'),
    diffs: z.array(metricDiffSchema),
    regressions: z.array(regressionSchema).describe('empty when none'),
  })
  .meta({ id: 'EvaluationResult' });

export const evaluationSchema = z
  .object({
    id: z.number().int(),
    suite: z.string(),
    suiteVersion: z.number().int(),
    jobId: z.number().int().describe('the evaluated job'),
    checkpointId: z.number().int(),
    step: z.number(),
    checkpointPath: z.string(),
    evalJobId: z.number().int().describe('the job that runs the suite'),
    evalJobState: jobStateSchema.nullable(),
    trigger: z.enum(['checkpoint', 'manual']),
    state: z.enum(['running', 'done']),
    createdAt: epochMs,
    endedAt: epochMs.nullable(),
    result: evaluationResultSchema.nullable().describe('null while running'),
    override: z.object({ by: z.string(), reason: z.string(), at: epochMs }).nullable().describe('a manual "promote anyway"'),
    regressed: z.boolean().describe('the regression alarm went off'),
    promotable: z.boolean().describe('done, not fail, no regression; or overridden'),
  })
  .meta({ id: 'Evaluation' });

export const evalSuiteListSchema = z.object({ suites: z.array(evalSuiteSchema).describe('the latest version of each, by name') });
export const savedEvalSuiteSchema = z.object({ suite: evalSuiteSchema, created: z.boolean().describe('false: the same definition was saved already') });
export const evaluationListSchema = z.object({ evaluations: z.array(evaluationSchema).describe('oldest first') });
export const createdEvaluationSchema = z.object({
  evaluation: evaluationSchema,
  created: z.boolean().describe('false: the checkpoint had an evaluation by this suite already'),
});

export const leaderboardRowSchema = z
  .object({
    rank: z.number().int().nullable().describe('by composite score, best first; null while running or without a score'),
    jobName: z.string(),
    evaluation: evaluationSchema,
  })
  .meta({ id: 'LeaderboardRow' });

export const leaderboardSchema = z
  .object({
    boards: z.array(z.object({
      suite: z.string(),
      version: z.number().int().describe("the suite's latest version"),
      metrics: z.array(suiteMetricSchema),
      baseline: z.object({ label: z.string(), values: z.record(z.string(), z.number()), score: jsonNumber }).nullable(),
      rows: z.array(leaderboardRowSchema),
    })).describe('one per suite'),
  })
  .meta({ id: 'Leaderboard' });

export const evaluatedCheckpointSchema = checkpointSchema
  .extend({ evaluations: z.array(evaluationSchema).describe('its evaluations, oldest first') })
  .meta({ id: 'EvaluatedCheckpoint' });
export const evaluatedCheckpointListSchema = z.object({ checkpoints: z.array(evaluatedCheckpointSchema).describe('oldest first, deleted ones too') });

export type ApiEvalSuite = Wire<typeof evalSuiteSchema>;
export type SavedEvalSuite = Wire<typeof savedEvalSuiteSchema>;
export type ApiEvaluation = Wire<typeof evaluationSchema>;
export type CreatedEvaluation = Wire<typeof createdEvaluationSchema>;
export type Leaderboard = Wire<typeof leaderboardSchema>;
export type LeaderboardRow = Wire<typeof leaderboardRowSchema>;
export type MetricDiff = Wire<typeof metricDiffSchema>;
export type EvaluatedCheckpoint = Wire<typeof evaluatedCheckpointSchema>;
