/**
 * Jobs, runs and checkpoints as the API sends them (`GET /api/v1/jobs…`, the `job` events).
 * Each schema is the JSON form of a domain type of `core/types.ts`; `api.test.ts` checks that
 * they have the same fields.
 */
import { z } from 'zod';
import { VALIDATION_LEVELS } from '../datasets.ts';
import { JOB_STATES, type RunOutcomeKind, type RunState, type StopReason } from '../types.ts';
import { retentionPolicySchema } from './retention.ts';
import { epochMs, jsonNumber, type Wire } from './wire.ts';

export const RUN_STATES = ['running', 'succeeded', 'failed', 'stopped', 'lost'] as const satisfies readonly RunState[];
export const STOP_REASONS = ['stop', 'pause', 'preempt', 'stuck', 'diverged', 'time-limit', 'target-reached'] as const satisfies readonly StopReason[];
export const RUN_OUTCOME_KINDS = [
  'success', 'exit-code', 'signal', 'oom-killed', 'cuda-oom', 'stopped', 'lost', 'config-error',
  'stuck', 'diverged', 'paused', 'preempted', 'time-limit', 'dependency-failed',
] as const satisfies readonly RunOutcomeKind[];

export const jobStateSchema = z.enum(JOB_STATES).meta({ id: 'JobState' });
export const runStateSchema = z.enum(RUN_STATES).meta({ id: 'RunState' });
export const stopReasonSchema = z.enum(STOP_REASONS).meta({ id: 'StopReason' });

export const prioritySchema = z
  .object({
    class: z.enum(['high', 'normal', 'low']),
    value: z.number().int().describe('order within the class, higher first'),
  })
  .meta({ id: 'Priority' });

export const runOutcomeSchema = z
  .object({
    kind: z.enum(RUN_OUTCOME_KINDS),
    detail: z.string().describe('"exit code 3", "SIGSEGV", the matching log line'),
    retryable: z.boolean(),
    step: z.number().optional().describe('the step it happened at, where that matters (divergence)'),
  })
  .meta({ id: 'RunOutcome', description: 'Why a run ended' });

export const progressSchema = z
  .object({
    step: z.number().nullable(),
    total: z.number().nullable(),
    rate: z.number().nullable().describe('steps per second over the recent window'),
    etaSeconds: z.number().nullable(),
    message: z.string().nullable().describe('the status line the run last reported'),
  })
  .meta({ id: 'Progress' });

const record = z.record(z.string(), z.unknown());

export const fromSpecSchema = z
  .union([
    z.string().describe('model:NAME@ALIAS, model:NAME:VERSION, model:NAME, job:N[:best] or checkpoint:N'),
    z.object({ job: z.number().int(), pick: z.enum(['latest', 'best']).optional(), metric: z.string().optional(), goal: z.enum(['min', 'max']).optional() }),
    z.object({ checkpoint: z.number().int() }),
  ])
  .meta({ id: 'FromSpec', description: "`from:` as declared: the checkpoint a job starts from (docs/training-contract.md)" });

export const initFromSchema = z
  .object({
    checkpointId: z.number().int(),
    jobId: z.number().int().describe('the job that wrote the checkpoint'),
    step: z.number(),
    model: z.object({ name: z.string(), version: z.number().int() }).nullable().describe('the model version `from:` named, when it named one'),
  })
  .meta({ id: 'InitFrom', description: 'What `from:` resolved to at submit' });

const paramPatchSchema = z
  .object({
    multiply: z.number().optional(),
    add: z.number().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    round: z.boolean().optional().describe('round to the nearest integer'),
  })
  .meta({ id: 'ParamPatch', description: 'How one numeric param changes on each retry: multiply or add, then round, within [min, max]' });

export const remediesSchema = z
  .object({
    cudaOom: z
      .object({
        patch: z.record(z.string(), paramPatchSchema).describe('param → its change on each cuda-oom retry'),
        maxTimes: z.number().int().describe('patched retries at most'),
      })
      .optional()
      .describe('a cuda-oom run is retried from its latest checkpoint with patched params'),
  })
  .meta({ id: 'Remedies', description: 'Remedies for failed runs (docs/training-contract.md)' });

export const stopWhenSchema = z
  .object({
    metric: z.string(),
    below: z.number().optional(),
    above: z.number().optional(),
  })
  .meta({ id: 'StopWhen', description: 'The job ends succeeded once a point of the metric is below (or above) the target' });

export const jobSpecSchema = z
  .object({
    name: z.string(),
    command: z.array(z.string()),
    shell: z.boolean(),
    cwd: z.string(),
    env: z.record(z.string(), z.string()),
    params: record,
    resources: z.object({ gpus: z.number().int(), cpus: z.number().int() }),
    maxRetries: z.number().int(),
    keepCheckpoints: z.number().int(),
    stopGraceSeconds: z.number(),
    tags: z.array(z.string()),
    priority: prioritySchema,
    preemptible: z.boolean(),
    after: z.array(z.number().int()),
    timeLimitSeconds: z.number().nullable(),
    owner: z.string().nullable(),
    watchdog: z.object({
      stuckSeconds: z.number().nullable(),
      divergence: z.object({ metric: z.string(), factor: z.number().nullable(), retryWithParams: record.nullable() }).nullable(),
    }),
    datasets: z.record(z.string(), z.string()).optional().describe('role → name@version, pinned at submit'),
    datasetLevel: z.enum(VALIDATION_LEVELS).optional(),
    evaluate: z.array(z.string()).optional().describe('eval suites run on each registered checkpoint'),
    retention: retentionPolicySchema.optional().describe("the job's own retention policy; absent: the global one (docs/retention.md)"),
    from: fromSpecSchema.optional(),
    remedies: remediesSchema.optional(),
    stopWhen: stopWhenSchema.optional(),
    slurm: z
      .object({
        partition: z.string().optional(),
        account: z.string().optional(),
        qos: z.string().optional(),
        memory: z.string().optional(),
        time: z.string().optional(),
        gpuFlag: z.enum(['gres', 'gpus']).optional(),
        extraArgs: z.array(z.string()).optional(),
      })
      .optional()
      .describe('what the job asks Slurm for when the executor is Slurm (docs/slurm.md)'),
  })
  .meta({ id: 'JobSpec', description: 'A job spec as stored: the submitted one with every default filled in' });

export const jobSchema = z
  .object({
    id: z.number().int(),
    name: z.string().describe('spec.name, at the top where people look for it'),
    spec: jobSpecSchema,
    state: jobStateSchema,
    createdAt: epochMs,
    startedAt: epochMs.nullable(),
    endedAt: epochMs.nullable(),
    attempts: z.number().int().describe('runs started so far'),
    notBefore: epochMs.nullable().describe('earliest start of the next run (retry backoff)'),
    outcome: runOutcomeSchema.nullable(),
    stopRequested: z.boolean(),
    stopReason: stopReasonSchema.nullable(),
    progress: progressSchema,
    priority: prioritySchema.describe('the current priority'),
    queuedAt: epochMs.describe('order within a priority, lower first'),
    paramsOverride: record.nullable().describe('params merged over spec.params for the next runs'),
    initFrom: initFromSchema.nullable().describe('the checkpoint `spec.from` resolved to at submit (TRAINYARD_INIT_FROM); null without one'),
    createdByToken: z.string().nullable().describe('who submitted it: the token id (session:<id> for a dashboard session); a submit token controls only its own jobs. Null for jobs the server made'),
  })
  .meta({ id: 'Job' });

export const runSchema = z
  .object({
    id: z.number().int(),
    jobId: z.number().int(),
    attempt: z.number().int(),
    state: runStateSchema,
    startedAt: epochMs,
    endedAt: epochMs.nullable(),
    handle: z
      .object({ executor: z.string(), externalId: z.string().describe("the executor's own id (local: PID@START)") })
      .nullable()
      .describe('how its executor finds the process again; null until it started'),
    pid: z.number().int().nullable().describe('the process id of a local run; null otherwise'),
    executorState: z
      .object({ state: z.string().describe("the executor's own state (Slurm: PENDING, RUNNING)"), reason: z.string().nullable().describe('why it waits (Slurm: Resources, Priority)') })
      .nullable()
      .optional()
      .describe("a running run as its executor's system sees it (Slurm); absent for ended runs and the local executor"),
    exitCode: z.number().int().nullable(),
    signal: z.string().nullable(),
    outcome: runOutcomeSchema.nullable(),
    resumedFrom: z.number().int().nullable().describe('the checkpoint it started from'),
    resumeStep: z.number().nullable(),
    logPath: z.string(),
    lastHeartbeatAt: epochMs.nullable(),
    gpus: z.array(z.number().int()).describe('GPU indices it held'),
    cpus: z.number().int().describe('CPU slots it held'),
    params: record.nullable().describe('the params it was started with (its TRAINYARD_PARAMS); null for runs before 0028'),
    peakGpuMemoryMiB: z.number().nullable().describe('the most GPU memory (MiB) its processes held at once, sampled with nvidia-smi; null when not measured'),
  })
  .meta({ id: 'Run', description: 'One attempt of a job' });

export const checkpointSchema = z
  .object({
    id: z.number().int(),
    jobId: z.number().int(),
    runId: z.number().int(),
    step: z.number(),
    path: z.string().describe("absolute, inside the job's checkpoint directory"),
    bytes: z.number().int(),
    metrics: z.record(z.string(), jsonNumber),
    createdAt: epochMs,
    deleted: z.boolean().describe('retention removed the file; the record stays for lineage'),
  })
  .meta({ id: 'Checkpoint' });

export const latestPointSchema = z.object({ step: z.number(), value: jsonNumber }).meta({ id: 'LatestPoint' });
const latest = z.record(z.string(), latestPointSchema).describe('the latest point of every metric, {} when none');

export const listedJobSchema = jobSchema.extend({ latest }).meta({ id: 'ListedJob' });
export const jobListSchema = z.object({ jobs: z.array(listedJobSchema).describe('newest first') });
export const jobDetailSchema = jobSchema.extend({ runs: z.array(runSchema).describe('oldest first'), latest }).meta({ id: 'JobDetail' });
export const checkpointListSchema = z.object({ checkpoints: z.array(checkpointSchema).describe('oldest first, deleted ones too') });

export type ApiJob = Wire<typeof jobSchema>;
export type ApiRun = Wire<typeof runSchema>;
export type ListedJob = Wire<typeof listedJobSchema>;
export type JobDetail = Wire<typeof jobDetailSchema>;
export type Checkpoint = Wire<typeof checkpointSchema>;
export type LatestPoint = Wire<typeof latestPointSchema>;
export type JobSpec = Wire<typeof jobSpecSchema>;
export type RunOutcome = Wire<typeof runOutcomeSchema>;
export type Progress = Wire<typeof progressSchema>;
