/**
 * Studies (docs/studies.md): a named set of variants of one job template, launched as ordinary
 * jobs with a parallelism cap and an exact cap on runs. This file holds the spec (its schema and
 * its positioned parse) and what a trial's job spec is; the variants are expanded in
 * `study-variants.ts`. Pure: no I/O.
 *
 * Terms:
 * - variant: one assignment of the study's params (with its seed, when variants repeat);
 * - trial: a variant as the store keeps it (its index in the study, its job once launched);
 * - group: the variant a trial repeats (trials that differ only in `seed` share a group).
 *
 * Params merge (not templating): a trial's job is the `job:` template with the variant's params
 * merged over `job.params` (the variant wins); the script reads them from `TRAINYARD_PARAMS` as
 * any job does. No `${params.x}` substitution in other fields: params stay one recorded object.
 */
import { z } from 'zod';
import { PositionedFileError, ValidationError } from './errors.ts';
import { describeIssue, issueField, closestIssue } from './issue-message.ts';
import { parseJobSpec } from './job-spec.ts';
import type { JobSpec } from './types.ts';
import { parseYamlWithPositions } from './yaml-positions.ts';
import { circuitBreakerInput, earlyStoppingInput, resolveEarlyStopping, type CircuitBreakerConfig, type EarlyStoppingConfig } from './early-stopping.ts';

export type { CircuitBreakerConfig, EarlyStoppingConfig } from './early-stopping.ts';

/** Defaults and limits, each with its reason. */
export const STUDY_DEFAULTS = Object.freeze({
  /** Four trials at once fill a small box without burning the whole queue on a bad study. */
  parallelism: 4,
  /** Random search's seed when none is given: the same spec gives the same variants. */
  randomSeed: 0,
  /** A study's variants are stored and listed one row each: past 100,000 it is a different tool. */
  maxVariants: 100_000,
});

/** A study name: also part of its jobs' tags (`study:<name>`, at most 100 characters). */
export const STUDY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const studyNameSchema = z.string().regex(STUDY_NAME, 'a letter or digit, then up to 63 letters, digits, ".", "_" or "-"');

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** A param's domain; any value that is not one of these objects is a fixed value. */
export const domainInput = z.union([
  z.strictObject({ choice: z.array(scalar).min(1).max(10_000) }),
  z.strictObject({ int: z.tuple([z.number().int(), z.number().int()]), step: z.number().int().positive().optional() }),
  z.strictObject({ float: z.tuple([z.number(), z.number()]), log: z.boolean().optional() }),
  z.strictObject({ fixed: z.unknown() }),
]);

export type Domain =
  | { readonly kind: 'choice'; readonly values: readonly unknown[] }
  | { readonly kind: 'int'; readonly lo: number; readonly hi: number; readonly step: number }
  | { readonly kind: 'float'; readonly lo: number; readonly hi: number; readonly log: boolean }
  | { readonly kind: 'fixed'; readonly value: unknown };

const DOMAIN_KEYS = ['choice', 'int', 'float', 'fixed'];

const paramInput = z.unknown().transform((value, ctx): Domain => {
  const isDomain = typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).some((k) => DOMAIN_KEYS.includes(k));
  if (!isDomain) return { kind: 'fixed', value };
  const parsed = domainInput.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    const issue = closestIssue(parsed.error.issues[0]);
    ctx.addIssue({ code: 'custom', path: issue.path as PropertyKey[], message: describeIssue(issue) });
    return z.NEVER;
  }
  const d = parsed.data;
  if ('choice' in d) return { kind: 'choice', values: d.choice };
  if ('int' in d) {
    const [lo, hi] = d.int;
    if (lo > hi) ctx.addIssue({ code: 'custom', path: ['int'], message: `expected [low, high] with low <= high, got [${lo}, ${hi}]` });
    return { kind: 'int', lo, hi, step: d.step ?? 1 };
  }
  if ('float' in d) {
    const [lo, hi] = d.float;
    if (lo > hi) ctx.addIssue({ code: 'custom', path: ['float'], message: `expected [low, high] with low <= high, got [${lo}, ${hi}]` });
    if (d.log && lo <= 0) ctx.addIssue({ code: 'custom', path: ['float'], message: `log: true needs low > 0, got [${lo}, ${hi}]` });
    return { kind: 'float', lo, hi, log: d.log ?? false };
  }
  return { kind: 'fixed', value: d.fixed };
});

const randomInput = z.strictObject({
  random: z.strictObject({ count: z.number().int().min(1).max(STUDY_DEFAULTS.maxVariants), seed: z.number().int().min(0).max(2 ** 32 - 1).default(STUDY_DEFAULTS.randomSeed) }),
});
const listInput = z.strictObject({ list: z.array(z.record(z.string(), z.unknown())).min(1).max(STUDY_DEFAULTS.maxVariants) });

/** An external searcher asks for each trial over the API (study-ask.ts, docs/studies.md#adaptive-search-with-optuna). */
const externalInput = z.strictObject({ external: z.strictObject({}) });

/** `grid`, `{random: {count, seed}}`, `{list: [...]}` or `external`, chosen by its key so errors name the inner field. */
const searchInput = z.unknown().transform((value, ctx): Search => {
  if (value === 'grid') return { kind: 'grid' };
  if (value === 'external') return { kind: 'external' };
  const key = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value)[0] : undefined;
  const schema = key === 'random' ? randomInput : key === 'list' ? listInput : key === 'external' ? externalInput : null;
  if (schema === null) {
    ctx.addIssue({ code: 'custom', message: `expected grid, {random: {count, seed}}, {list: [...]} or external, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  const parsed = schema.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    const issue = closestIssue(parsed.error.issues[0]);
    ctx.addIssue({ code: 'custom', path: issue.path as PropertyKey[], message: describeIssue(issue) });
    return z.NEVER;
  }
  const data = parsed.data;
  if ('external' in data) return { kind: 'external' };
  return 'random' in data ? { kind: 'random', count: data.random.count, seed: data.random.seed } : { kind: 'list', entries: data.list };
});

export type Search =
  | { readonly kind: 'grid' }
  | { readonly kind: 'random'; readonly count: number; readonly seed: number }
  | { readonly kind: 'list'; readonly entries: readonly Readonly<Record<string, unknown>>[] }
  /** No variants at submit: a searcher asks for each trial with its params (`POST …/ask`). */
  | { readonly kind: 'external' };

export const studySpecInput = z.strictObject({
  name: studyNameSchema,
  /** The job template, as in a job file (cwd absolute: the CLI resolves it against the study file). */
  job: z.record(z.string(), z.unknown()),
  params: z.record(z.string().min(1).max(200), paramInput).default({}),
  /** Default: grid. */
  search: searchInput.optional(),
  /** The exact cap on trials (jobs) the study launches. Default: the number of variants. */
  maxRuns: z.number().int().min(1).max(STUDY_DEFAULTS.maxVariants).optional(),
  parallelism: z.number().int().min(1).max(10_000).default(STUDY_DEFAULTS.parallelism),
  /** Repeats each variant N times with params.seed = 0 … N-1. */
  seeds: z.number().int().min(1).max(1000).optional(),
  objective: z.strictObject({ metric: z.string().min(1).max(200), mode: z.enum(['min', 'max']) }).optional(),
  earlyStopping: earlyStoppingInput.optional(),
  circuitBreaker: circuitBreakerInput.optional(),
  /** Fixed reference results shown beside the variants in the report: baseline name → metric → value. */
  baselines: z.record(z.string().min(1).max(100), z.record(z.string().min(1).max(200), z.number())).optional(),
});

export type StudySpecInput = z.input<typeof studySpecInput>;

/** A validated study spec, as stored. */
export interface StudySpec {
  readonly name: string;
  /** The job template (validated as a job spec with the first variant's params). */
  readonly job: Readonly<Record<string, unknown>>;
  readonly params: Readonly<Record<string, Domain>>;
  readonly search: Search;
  readonly maxRuns: number | null;
  readonly parallelism: number;
  readonly seeds: number | null;
  readonly objective: { readonly metric: string; readonly mode: 'min' | 'max' } | null;
  readonly earlyStopping: EarlyStoppingConfig | null;
  readonly circuitBreaker: CircuitBreakerConfig | null;
  /** Reference results per metric (`{random: {makespan: 1234}}`), rows of the report; absent in specs stored before the field. */
  readonly baselines?: Readonly<Record<string, Readonly<Record<string, number>>>> | null;
}

/** One variant of a study: what its trial's job gets in `params`. */
export interface Variant {
  /** 0-based, in launch order. */
  readonly index: number;
  /** The study's params for this variant (fixed ones included), merged over `job.params`. */
  readonly params: Readonly<Record<string, unknown>>;
  /** `params.seed` when variants repeat (`seeds:` or a `seed` param that is a number), else null. */
  readonly seed: number | null;
  /** The variant this trial repeats: trials that differ only in their seed share a group. */
  readonly group: number;
}

/**
 * Validates a study spec (JSON from the API, or a parsed study file). Throws ValidationError
 * naming the field (`params.lr.float`, `search.random.count`, `job.resources.gpus`), what was
 * expected and what came. The job template is checked as a job spec.
 */
export function parseStudySpec(input: unknown): StudySpec {
  const result = studySpecInput.safeParse(input, { reportInput: true });
  if (!result.success) {
    const issue = closestIssue(result.error.issues[0]);
    throw new ValidationError(describeIssue(issue), issueField(issue), { code: 'invalid_study' });
  }
  const s = result.data;
  if (s.seeds !== undefined && 'seed' in s.params) {
    throw new ValidationError('give `seeds: N` or a `seed` param, not both', 'seeds', { code: 'invalid_study' });
  }
  const search: Search = s.search ?? { kind: 'grid' };
  if (search.kind === 'list') {
    const swept = Object.entries(s.params).find(([, d]) => d.kind !== 'fixed');
    if (swept) throw new ValidationError(`a list search takes its values from search.list; params.${swept[0]} is a ${swept[1].kind} domain (give it a fixed value, or list its values)`, `params.${swept[0]}`, { code: 'invalid_study' });
  }
  if (search.kind === 'external') checkExternalSearch(s);
  // Its metric and mode default to the objective (ValidationError `earlyStopping.asha.metric` when neither names one).
  const earlyStopping = s.earlyStopping === undefined ? null : resolveEarlyStopping(s.earlyStopping, s.objective);
  const spec: StudySpec = {
    name: s.name,
    job: s.job,
    params: s.params,
    search,
    maxRuns: s.maxRuns ?? null,
    parallelism: s.parallelism,
    seeds: s.seeds ?? null,
    objective: s.objective ?? null,
    earlyStopping,
    circuitBreaker: s.circuitBreaker ?? null,
    baselines: s.baselines ?? null,
  };
  // The template must make a valid job (field names prefixed with `job.`).
  trialJobSpec(spec, { index: 0, params: {}, seed: null, group: 0 });
  return spec;
}

/** An external search needs the cap and the objective (what the searcher is told) and draws no seeds. */
function checkExternalSearch(s: { maxRuns?: number; seeds?: number; objective?: unknown }): void {
  const invalid = (message: string, field: string) => new ValidationError(message, field, { code: 'invalid_study' });
  if (s.maxRuns === undefined) throw invalid('search: external needs maxRuns, the exact cap on the trials the searcher may ask for', 'maxRuns');
  if (s.objective === undefined) throw invalid('search: external needs an objective {metric, mode}: the value each trial gives the searcher', 'objective');
  if (s.seeds !== undefined) throw invalid('search: external takes no seeds: the searcher asks for each trial with its params (a `seed` param of its own included)', 'seeds');
}

/** The tags that make a trial's job findable: `study:<name>` and `study-trial:<name>:<index>`. */
export function trialTags(study: string, index: number): [string, string] {
  return [`study:${study}`, `study-trial:${study}:${index}`];
}

/**
 * The job spec of a trial: the template, named `<study>-<index>`, its params with the variant's
 * merged over them, tagged with the study's tags. Throws ValidationError with `job.`-prefixed
 * fields when the template does not make a valid job.
 */
export function trialJobSpec(spec: Pick<StudySpec, 'name' | 'job'>, variant: Variant): JobSpec {
  const job = spec.job;
  const baseParams = typeof job.params === 'object' && job.params !== null && !Array.isArray(job.params) ? (job.params as Record<string, unknown>) : {};
  const baseTags = Array.isArray(job.tags) ? job.tags : [];
  try {
    return parseJobSpec({
      ...job,
      name: `${spec.name}-${variant.index}`,
      params: { ...baseParams, ...variant.params },
      tags: [...baseTags, ...trialTags(spec.name, variant.index)],
    });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const field = error.field === null ? 'job' : `job.${error.field}`;
    const message = error.field === null ? error.message : error.message.slice(error.field.length + 2);
    throw new ValidationError(message, field, { code: 'invalid_study' });
  }
}

/** A study file that does not parse or validate; `line`/`column` from 1 where known. */
export class StudyFileError extends PositionedFileError {
  override readonly code = 'invalid_study_file';
}

/** A study file's text, parsed with positions: the raw mapping and where each field is. */
export interface StudyFile {
  readonly value: Record<string, unknown>;
  locate(field: string): { line: number; column: number } | null;
}

/** Parses a study file's YAML (not yet validated); StudyFileError with the position. */
export function parseStudyYaml(file: string, text: string): StudyFile {
  const parsed = parseYamlWithPositions(text);
  if (parsed.problem) throw new StudyFileError(file, parsed.problem.line, parsed.problem.column, null, parsed.problem.message);
  const value = parsed.value;
  if (value === null || value === undefined) throw new StudyFileError(file, 1, 1, null, 'the file is empty: a study file holds a mapping (name, job, params, search, …)');
  if (typeof value !== 'object' || Array.isArray(value)) throw new StudyFileError(file, 1, 1, null, 'a study file holds a mapping (name, job, params, search, …), not a list or a scalar');
  return { value: value as Record<string, unknown>, locate: parsed.locate };
}

/** The StudyFileError at the line of a ValidationError's field (the nearest enclosing field the file holds). */
export function positioned(file: string, study: StudyFile, error: ValidationError): StudyFileError {
  const field = error.field;
  let at: { line: number; column: number } | null = null;
  for (let path = field; path && at === null; path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : null) at = study.locate(path);
  const detail = field && error.message.startsWith(`${field}: `) ? error.message.slice(field.length + 2) : error.message;
  return new StudyFileError(file, at?.line ?? null, at?.column ?? null, field, detail);
}
