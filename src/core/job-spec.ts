/**
 * The job spec a user submits, its defaults, and its validation. Unknown fields are refused so
 * that a typo ("maxretries") is an error, not a silently ignored setting.
 */
import { isAbsolute, basename } from 'node:path';
import { z } from 'zod';
import { parseDatasetRef, VALIDATION_LEVELS } from './datasets.ts';
import { ValidationError } from './errors.ts';
import { closestIssue, describeIssue, issueField } from './issue-message.ts';
import { findJsonProblem } from './json-guard.ts';
import { suiteNameSchema } from './eval-suite.ts';
import { fromInput } from './init-from.ts';
import { nameSchema, UNSAFE_CHAR } from './names.ts';
import { retentionPolicyInput } from './api/retention.ts';
import { patchProblems, remediesInput } from './remedies.ts';
import { slurmSpecInput } from './slurm-spec.ts';
import { stopWhenInput } from './stop-when.ts';
import type { JobSpec } from './types.ts';

/** Defaults, each with its reason. */
export const JOB_DEFAULTS = Object.freeze({
  /** Three retries ride out a flaky node or a transient CUDA error without looping forever. */
  maxRetries: 3,
  /** Three checkpoints: the latest, plus two to fall back on if it is corrupt. */
  keepCheckpoints: 3,
  /** 30 s is enough to write a checkpoint of a model that fits on one GPU. */
  stopGraceSeconds: 30,
  /** An hour without a new step is stuck for any training loop we know; raise it for long evals. */
  stuckSeconds: 3600,
  /** Every row read and checked (schema, lengths, duplicates) before a GPU-hour is spent on it. */
  datasetLevel: 'standard' as const,
});

/** Dataset roles in a job spec: `train`, `eval`, `eval-hard`. */
const DATASET_ROLE = /^[a-z][a-z0-9_-]{0,39}$/;

const priorityClass = z.enum(['high', 'normal', 'low']);

/** `high`, a number (class normal), or `{class, value}`. */
export const priorityInput = z.union([
  priorityClass.transform((c) => ({ class: c, value: 0 })),
  z.number().int().min(-1_000_000).max(1_000_000).transform((value) => ({ class: 'normal' as const, value })),
  z.strictObject({ class: priorityClass.default('normal'), value: z.number().int().min(-1_000_000).max(1_000_000).default(0) }),
]);

const watchdogInput = z.strictObject({
  stuckSeconds: z.number().positive().nullable().default(JOB_DEFAULTS.stuckSeconds),
  divergence: z
    .strictObject({
      metric: z.string().min(1).max(200).default('loss'),
      factor: z.number().gt(1).nullable().default(null),
      retryWithParams: z.record(z.string(), z.unknown()).nullable().default(null),
    })
    .nullable()
    .default({ metric: 'loss', factor: null, retryWithParams: null }),
});

const envValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export const jobSpecInput = z
  .strictObject({
    name: nameSchema().optional(),
    command: z.union([z.string().min(1), z.array(z.string()).min(1)]),
    shell: z.boolean().optional(),
    cwd: z.string().min(1).refine(isAbsolute, 'must be an absolute path'),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'invalid variable name'), envValue).default({}),
    params: z.record(z.string(), z.unknown()).default({}),
    resources: z
      .strictObject({
        gpus: z.number().int().min(0).max(64).default(0),
        cpus: z.number().int().min(0).max(1024).optional(),
      })
      .default({ gpus: 0 }),
    maxRetries: z.number().int().min(0).max(100).default(JOB_DEFAULTS.maxRetries),
    /** Shorthand for `retention: {keepLatest: N}`; absent with `retention` absent: the global policy, else 3. */
    keepCheckpoints: z.number().int().min(0).max(100_000).optional(),
    /** The job's own retention policy (docs/retention.md); absent: the global one. */
    retention: retentionPolicyInput.optional(),
    stopGraceSeconds: z.number().positive().max(86_400).default(JOB_DEFAULTS.stopGraceSeconds),
    tags: z.array(z.string().min(1).max(100)).max(50).default([]),
    priority: priorityInput.default({ class: 'normal', value: 0 }),
    preemptible: z.boolean().default(false),
    after: z.array(z.number().int().positive()).max(100).default([]),
    timeLimitSeconds: z.number().positive().nullable().default(null),
    owner: z.string().min(1).max(200).nullable().default(null),
    watchdog: watchdogInput.default({ stuckSeconds: JOB_DEFAULTS.stuckSeconds, divergence: { metric: 'loss', factor: null, retryWithParams: null } }),
    /** role → `name` or `name@version` of a registered dataset (docs/datasets.md). */
    datasets: z
      .record(
        z.string().regex(DATASET_ROLE, 'a role: a lower-case letter, then letters, digits, "_" or "-"'),
        z.string().refine((ref) => parseDatasetRef(ref) !== null, 'must be name or name@version (a version number from 1)'),
      )
      .optional(),
    datasetLevel: z.enum(VALIDATION_LEVELS).optional(),
    /** Eval suites run on each registered checkpoint (docs/evaluation.md); each must exist at submit. */
    evaluate: z.array(suiteNameSchema).max(20).refine((names) => new Set(names).size === names.length, 'names a suite twice').optional(),
    /** The checkpoint the job starts from (core/init-from.ts); resolved to one checkpoint id at submit. */
    from: fromInput.optional(),
    /** Remedies for failed runs (core/remedies.ts): `cudaOom` retries with patched params. */
    remedies: remediesInput.optional(),
    /** Early stop at a target (core/stop-when.ts): the job ends succeeded. */
    stopWhen: stopWhenInput.optional(),
    /** What the job asks Slurm for when the server's executor is Slurm (core/slurm-spec.ts, docs/slurm.md). */
    slurm: slurmSpecInput.optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.retention !== undefined && spec.keepCheckpoints !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['keepCheckpoints'], message: `keepCheckpoints is the shorthand for retention.keepLatest: give one of them, not both (came keepCheckpoints ${spec.keepCheckpoints} and retention ${JSON.stringify(spec.retention)})` });
    }
    if (spec.remedies?.cudaOom) {
      for (const { field, message } of patchProblems(spec.remedies.cudaOom, spec.params)) ctx.addIssue({ code: 'custom', path: field.split('.'), message });
    }
    if (spec.datasetLevel !== undefined && spec.datasets === undefined) {
      ctx.addIssue({ code: 'custom', path: ['datasetLevel'], message: 'datasetLevel needs datasets' });
    }
    if (typeof spec.command === 'string' && spec.shell === false) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'a string command needs shell: true; give an argv array otherwise' });
    }
    if (Array.isArray(spec.command) && spec.shell === true && spec.command.length !== 1) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'with shell: true, command is one shell script string' });
    }
    for (const name of Object.keys(spec.env)) {
      if (name.startsWith('TRAINYARD_')) {
        ctx.addIssue({ code: 'custom', path: ['env', name], message: 'TRAINYARD_* variables are set by Trainyard' });
      }
    }
  });

export type JobSpecInput = z.input<typeof jobSpecInput>;

/**
 * Validates a submitted spec and fills in defaults. Throws `ValidationError` naming the field,
 * what was expected and what came; a field nested deeper than `MAX_JSON_DEPTH` is refused
 * before anything walks it.
 */
export function parseJobSpec(input: unknown): JobSpec {
  const problem = findJsonProblem(input);
  if (problem) throw new ValidationError(problem.message, problem.field, { code: 'invalid_spec' });
  const result = jobSpecInput.safeParse(input, { reportInput: true });
  if (!result.success) throw validationErrorFrom(result.error, 'invalid_spec');
  const s = result.data;
  const command = typeof s.command === 'string' ? [s.command] : s.command;
  const shell = s.shell ?? typeof s.command === 'string';
  const gpus = s.resources.gpus;
  return {
    name: s.name ?? defaultName(command, shell),
    command,
    shell,
    cwd: s.cwd,
    env: s.env,
    params: s.params,
    resources: { gpus, cpus: s.resources.cpus ?? (gpus === 0 ? 1 : 0) },
    maxRetries: s.maxRetries,
    keepCheckpoints: s.retention ? (s.retention.keepLatest ?? 0) : (s.keepCheckpoints ?? JOB_DEFAULTS.keepCheckpoints),
    // Only jobs with their own policy carry it; the others follow the global one (docs/retention.md).
    ...(s.retention ? { retention: s.retention } : s.keepCheckpoints !== undefined ? { retention: { keepLatest: s.keepCheckpoints } } : {}),
    stopGraceSeconds: s.stopGraceSeconds,
    tags: s.tags,
    priority: s.priority,
    preemptible: s.preemptible,
    after: s.after,
    timeLimitSeconds: s.timeLimitSeconds,
    owner: s.owner,
    watchdog: s.watchdog,
    // Only jobs that name datasets carry the fields (pinned to versions at submit).
    ...(s.datasets && Object.keys(s.datasets).length > 0 ? { datasets: s.datasets, datasetLevel: s.datasetLevel ?? JOB_DEFAULTS.datasetLevel } : {}),
    // Only jobs that ask for evaluations carry the field.
    ...(s.evaluate && s.evaluate.length > 0 ? { evaluate: s.evaluate } : {}),
    // Only jobs that start from a checkpoint carry the field, as declared.
    ...(s.from !== undefined ? { from: s.from } : {}),
    // Only jobs that declare them carry the fields.
    ...(s.remedies?.cudaOom ? { remedies: { cudaOom: s.remedies.cudaOom } } : {}),
    ...(s.stopWhen !== undefined ? { stopWhen: s.stopWhen } : {}),
    ...(s.slurm !== undefined ? { slurm: s.slurm } : {}),
  };
}

/** The script's name for `python3 train.py`, else the program's; characters unsafe in a name become "?". */
function defaultName(command: readonly string[], shell: boolean): string {
  const script = command.slice(1).find((arg) => /\.(py|ts|js|mjs|sh)$/.test(arg));
  const name = shell ? command[0].trim().split(/\s+/)[0] ?? 'job' : basename(script ?? command[0]);
  return name.replace(new RegExp(UNSAFE_CHAR.source, 'gu'), '?') || 'job';
}

/**
 * Turns zod's first issue into a ValidationError with a dotted field path and a message saying
 * what was expected and what came (parse with `{reportInput: true}` for the latter).
 */
export function validationErrorFrom(error: z.ZodError, code: string): ValidationError {
  const issue = closestIssue(error.issues[0]);
  return new ValidationError(describeIssue(issue), issueField(issue), { code });
}
