/**
 * Eval suites: declared once (a file through the CLI, or the API), then run on every registered
 * checkpoint of the jobs that name them (`evaluate: [name]` in a job spec). This file holds the
 * suite as a user writes it, its defaults and its validation; judging lives in `evaluation.ts`.
 *
 * Terminology
 * - suite: a command (any language) that evaluates one checkpoint and reports metrics, the
 *   dataset versions it reads, and how each metric is judged. Versioned: replacing a suite's
 *   definition makes its next version; evaluations keep the version they ran.
 * - baseline: a fixed reference result (a random policy, a heuristic, a lower bound) stored with
 *   the suite, or a model version's results (`model`, resolved by the registry when it exists).
 * - evaluation: one run of a suite on one checkpoint (`eval-record.ts`).
 */
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { parseDatasetRef } from './datasets.ts';
import { REGRESSION_TOLERANCE, type SuiteMetric } from './evaluation.ts';
import { ValidationError } from './errors.ts';
import { findJsonProblem } from './json-guard.ts';
import { closestIssue, describeIssue, issueField } from './issue-message.ts';
import type { Resources } from './types.ts';

/** Defaults, each with its reason. */
export const SUITE_DEFAULTS = Object.freeze({
  /** One retry rides out a flaky node; an evaluation that fails twice is judged `fail`. */
  maxRetries: 1,
  /** The alarm of core/evaluation.ts: 15 % worse than the best so far. */
  regressionTolerance: REGRESSION_TOLERANCE,
  /** What a baseline without a label is called in diffs and the leaderboard. */
  baselineLabel: 'baseline',
});

/** A suite name: a letter or digit, then letters, digits, ".", "_" or "-" (at most 100). */
export const SUITE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** A suite's name as a zod schema (a job spec's `evaluate` uses it too). */
export const suiteNameSchema = z.string().regex(SUITE_NAME, 'a suite name: a letter or digit, then letters, digits, ".", "_" or "-" (at most 100)');

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const metricInput = z.strictObject({
  name: z.string().min(1).max(200),
  goal: z.enum(['min', 'max']).describe('min: lower is better (loss); max: higher is better (accuracy)'),
  value: z.strictObject({ lower: finite.optional(), upper: finite.optional() }).optional(),
  change: z.strictObject({ absolute: finite.optional(), relative: finite.optional() }).optional(),
  weight: finite.refine((w) => w > 0, 'must be above 0').optional(),
});

const envValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export const evalSuiteInput = z
  .strictObject({
    name: suiteNameSchema,
    description: z.string().max(2000).optional(),
    command: z.union([z.string().min(1), z.array(z.string()).min(1)]),
    shell: z.boolean().optional(),
    cwd: z.string().min(1).refine(isAbsolute, 'must be an absolute path'),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'invalid variable name'), envValue).default({}),
    /** role → `name` or `name@version`; pinned to a version when the suite is saved. */
    datasets: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'a role: a lower-case letter, then letters, digits, "_" or "-"'),
        z.string().refine((ref) => parseDatasetRef(ref) !== null, 'must be name or name@version (a version number from 1)'),
      )
      .optional(),
    resources: z
      .strictObject({ gpus: z.number().int().min(0).max(64).default(0), cpus: z.number().int().min(0).max(1024).optional() })
      .default({ gpus: 0 }),
    timeLimitSeconds: z.number().positive().nullable().default(null),
    maxRetries: z.number().int().min(0).max(10).default(SUITE_DEFAULTS.maxRetries),
    metrics: z.array(metricInput).min(1).max(100),
    baseline: z
      .strictObject({
        label: z.string().min(1).max(200).optional(),
        values: z.record(z.string(), finite).optional(),
        model: z.string().min(1).max(300).optional().describe('a model version (name@alias or name@version), resolved by the registry'),
      })
      .optional(),
    regression: z
      .strictObject({ tolerance: z.number().positive().max(100).default(SUITE_DEFAULTS.regressionTolerance) })
      .default({ tolerance: SUITE_DEFAULTS.regressionTolerance }),
  })
  .superRefine((suite, ctx) => {
    if (typeof suite.command === 'string' && suite.shell === false) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'a string command needs shell: true; give an argv array otherwise' });
    }
    if (Array.isArray(suite.command) && suite.shell === true && suite.command.length !== 1) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'with shell: true, command is one shell script string' });
    }
    for (const name of Object.keys(suite.env)) {
      if (name.startsWith('TRAINYARD_')) ctx.addIssue({ code: 'custom', path: ['env', name], message: 'TRAINYARD_* variables are set by Trainyard' });
    }
    const seen = new Map<string, number>();
    suite.metrics.forEach((m, i) => {
      const first = seen.get(m.name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['metrics', i, 'name'], message: `metric ${JSON.stringify(m.name)} is already metrics.${first}` });
      else seen.set(m.name, i);
      const { lower, upper } = m.value ?? {};
      if (lower !== undefined && upper !== undefined && lower > upper) {
        ctx.addIssue({ code: 'custom', path: ['metrics', i, 'value'], message: `lower ${lower} is above upper ${upper}` });
      }
      if (m.value && lower === undefined && upper === undefined) ctx.addIssue({ code: 'custom', path: ['metrics', i, 'value'], message: 'give lower, upper or both' });
      if (m.change && m.change.absolute === undefined && m.change.relative === undefined) {
        ctx.addIssue({ code: 'custom', path: ['metrics', i, 'change'], message: 'give absolute, relative or both' });
      }
    });
    const b = suite.baseline;
    if (b) {
      if ((b.values === undefined) === (b.model === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['baseline'], message: 'give either values (a fixed reference result) or model (a model version), not both or neither' });
      }
      for (const key of Object.keys(b.values ?? {})) {
        if (!seen.has(key)) ctx.addIssue({ code: 'custom', path: ['baseline', 'values', key], message: `not a metric of the suite (metrics: ${[...seen.keys()].join(', ')})` });
      }
    }
  });

export type EvalSuiteInput = z.input<typeof evalSuiteInput>;

/** The reference an evaluation is compared with. */
export interface SuiteBaseline {
  /** Shown beside every score ("random policy"). Default: "baseline". */
  readonly label: string;
  /** A fixed reference result, metric → value; null when `model` is used. */
  readonly values: Readonly<Record<string, number>> | null;
  /** A model version whose evaluation is the baseline (resolved by the registry); null when `values` is used. */
  readonly model: string | null;
}

/** A validated suite definition with every default filled in. */
export interface EvalSuiteSpec {
  readonly name: string;
  readonly description: string | null;
  /** argv; with `shell`, `command[0]` is a script run with `/bin/sh -c`. */
  readonly command: readonly string[];
  readonly shell: boolean;
  /** Absolute; a suite file's relative cwd is resolved against the file. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** role → `name@version`, pinned when the suite is saved; absent when it reads none. */
  readonly datasets?: Readonly<Record<string, string>>;
  /** Default: no GPU, one CPU slot. */
  readonly resources: Resources;
  /** An evaluation run past this is stopped and judged `fail`. Default: none. */
  readonly timeLimitSeconds: number | null;
  /** Retries of a failed evaluation run. Default: 1. */
  readonly maxRetries: number;
  /** How each metric is judged, in display order. */
  readonly metrics: readonly SuiteMetric[];
  /** Default: none (verdicts with change thresholds are then `no-baseline`). */
  readonly baseline: SuiteBaseline | null;
  /** The regression alarm: worse than the best earlier evaluation by more than `tolerance`. Default: 0.15. */
  readonly regression: { readonly tolerance: number };
}

/** A suite as stored: its definition, the version it is, and when that version was saved. */
export interface EvalSuite extends EvalSuiteSpec {
  /** 1, 2, …: each replaced definition is the next version. */
  readonly version: number;
  readonly createdAt: number;
}

/**
 * Validates a suite definition and fills in defaults. Throws `ValidationError` (code
 * `invalid_suite`) naming the field ("metrics.1.goal"), what was expected and what came.
 */
export function parseEvalSuite(input: unknown): EvalSuiteSpec {
  const problem = findJsonProblem(input);
  if (problem) throw new ValidationError(problem.message, problem.field, { code: 'invalid_suite' });
  const result = evalSuiteInput.safeParse(input, { reportInput: true });
  if (!result.success) {
    const issue = closestIssue(result.error.issues[0]);
    throw new ValidationError(describeIssue(issue), issueField(issue), { code: 'invalid_suite' });
  }
  const s = result.data;
  const gpus = s.resources.gpus;
  return {
    name: s.name,
    description: s.description ?? null,
    command: typeof s.command === 'string' ? [s.command] : s.command,
    shell: s.shell ?? typeof s.command === 'string',
    cwd: s.cwd,
    env: s.env,
    ...(s.datasets && Object.keys(s.datasets).length > 0 ? { datasets: s.datasets } : {}),
    resources: { gpus, cpus: s.resources.cpus ?? (gpus === 0 ? 1 : 0) },
    timeLimitSeconds: s.timeLimitSeconds,
    maxRetries: s.maxRetries,
    metrics: s.metrics.map((m) => ({
      name: m.name,
      goal: m.goal,
      ...(m.value ? { value: m.value } : {}),
      ...(m.change ? { change: m.change } : {}),
      ...(m.weight !== undefined ? { weight: m.weight } : {}),
    })),
    baseline: s.baseline
      ? { label: s.baseline.label ?? SUITE_DEFAULTS.baselineLabel, values: s.baseline.values ?? null, model: s.baseline.model ?? null }
      : null,
    regression: { tolerance: s.regression.tolerance },
  };
}

/** Whether two definitions are the same (saving the same file twice is a no-op). */
export function sameSuite(a: EvalSuiteSpec, b: EvalSuiteSpec): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** JSON with object keys sorted, at every level. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v);
}
