/**
 * Curricula: a job family with levels (docs/curriculum.md). Pure: the schema and its parse, the
 * job spec of a level (`levelJobSpec`), and the decision to move (`decideLevel`).
 *
 * Terminology:
 * - level: a job (the curriculum's base `job` with the level's overlay), the eval suite run on
 *   each of its checkpoints, and optionally a data-generation job (`generate`).
 * - window: the values of `metric` from evaluations by the current level's suite of jobs at the
 *   current level, made since the level was (re)entered, oldest first. Re-entering a level
 *   starts a fresh window.
 * - promote: the last `over` values (smoothed when `ema` is given) each pass the bound; from the
 *   last level, the curriculum is `completed`. demote: the last `demote.over` values each fall
 *   past the floor; level 0 never demotes.
 */
import { z } from 'zod';
import { ValidationError } from './errors.ts';
import { closestIssue, describeIssue, issueField } from './issue-message.ts';
import { suiteNameSchema } from './eval-suite.ts';
import { parseJobSpec } from './job-spec.ts';

/** Names a curriculum may have: they appear in URLs and tags. */
export const CURRICULUM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const LEVEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;
/** Longest tag a job spec takes (core/job-spec.ts). */
const TAG_MAX = 100;

/** Tag of every generate job of a curriculum (beside its level's tag). */
export const GENERATE_TAG = 'curriculum-generate';

export const curriculumNameSchema = z.string().regex(CURRICULUM_NAME, 'must be 1–100 letters, digits, ".", "_" or "-", starting with a letter or digit');

const jobObject = z.record(z.string(), z.unknown());

const promoteSchema = z
  .strictObject({
    /** Higher is better: promote when values are at least this. */
    atLeast: z.number().optional(),
    /** Lower is better: promote when values are at most this. */
    atMost: z.number().optional(),
    /** How many of the last evaluations must each pass. Default: 1. */
    over: z.int().min(1).max(1000).default(1),
    /** Smoothing factor of an exponential moving average over the window, in (0, 1]. Default: none. */
    ema: z.number().gt(0).max(1).optional(),
  })
  .superRefine((p, ctx) => {
    if ((p.atLeast === undefined) === (p.atMost === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['atLeast'], message: `give one of atLeast (higher is better) or atMost (lower is better), got ${p.atLeast === undefined ? 'neither' : 'both'}` });
    }
  });

const demoteSchema = z.strictObject({
  /** With `promote.atLeast`: demote when values fall below this. */
  below: z.number().optional(),
  /** With `promote.atMost`: demote when values rise above this. */
  above: z.number().optional(),
  /** How many of the last evaluations must each fall past the floor. Default: 1. */
  over: z.int().min(1).max(1000).default(1),
});

const levelSchema = z.strictObject({
  name: z.string().regex(LEVEL_NAME, 'a level name: a letter or digit, then letters, digits, ".", "_" or "-" (at most 40)'),
  /** Run on each checkpoint of this level's jobs (added to the job's `evaluate`). */
  suite: suiteNameSchema,
  /** Overlay on the base job: params, env, datasets merged key by key; other keys replace. */
  job: jobObject.default({}),
  /** This level's data-generation job: a job spec of its own (its cwd defaults to the base job's). */
  generate: jobObject.optional(),
});

export const curriculumSchema = z.strictObject({
  name: curriculumNameSchema,
  description: z.string().max(2000).optional(),
  /** A metric of the level suites' evaluation results, or `score` (the composite score). */
  metric: z.string().min(1).max(200),
  promote: promoteSchema,
  demote: demoteSchema.optional(),
  /** The base job spec of every level (as in a job file). */
  job: jobObject,
  levels: z.array(levelSchema).min(1, 'needs at least one level').max(100),
});

export type CurriculumSpec = z.infer<typeof curriculumSchema>;
export type CurriculumLevel = CurriculumSpec['levels'][number];
export type CurriculumInput = z.input<typeof curriculumSchema>;

/** `active`, or `completed` once the last level was passed. */
export type CurriculumState = 'active' | 'completed';
export type LevelDirection = 'promote' | 'demote' | 'set';

/** A stored curriculum and where it stands. */
export interface Curriculum {
  readonly name: string;
  readonly spec: CurriculumSpec;
  /** 1 at creation; +1 each time a changed spec is applied. */
  readonly version: number;
  /** Index of the current level in `spec.levels`. */
  readonly level: number;
  readonly levelName: string;
  readonly state: CurriculumState;
  /** Id of the event that (re)entered the current level: only `evaluation.done` events after it count. */
  readonly enteredEventId: number;
  readonly enteredAt: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One move between levels (or the completion), as kept in the history. */
export interface LevelChange {
  readonly from: number;
  readonly to: number;
  readonly fromLevel: string;
  readonly toLevel: string;
  readonly direction: LevelDirection;
  /** With the numbers: "accuracy 0.82, 0.85, 0.9 ≥ 0.8 over the last 3". */
  readonly reason: string;
  /** The values behind it (smoothed where `ema` is given); empty for a manual move. */
  readonly values: readonly number[];
  /** A promotion from the last level: the curriculum is completed (`to` equals `from`). */
  readonly completed: boolean;
}

export interface HistoryRow extends LevelChange {
  readonly id: number;
  /** The event that caused it (an `evaluation.done`); null for a manual move. */
  readonly causeEventId: number | null;
  /** Who moved it: a token's name, or `system`. */
  readonly by: string;
  readonly at: number;
}

/** One evaluation counted in a level's window. */
export interface WindowValue {
  readonly evaluationId: number;
  /** The evaluated job. */
  readonly jobId: number;
  /** Its `evaluation.done` event. */
  readonly eventId: number;
  readonly value: number;
  readonly at: number;
}

/**
 * Validates a curriculum. Throws ValidationError (code `invalid_curriculum`) naming the field
 * (`levels.1.suite`, `demote.below`, `levels.0.job.params`), what was expected and what came.
 * Each level's job (and generate job) is checked as a job spec.
 */
export function parseCurriculum(input: unknown): CurriculumSpec {
  const result = curriculumSchema.safeParse(input, { reportInput: true });
  if (!result.success) {
    const issue = closestIssue(result.error.issues[0]);
    throw new ValidationError(describeIssue(issue), issueField(issue), { code: 'invalid_curriculum' });
  }
  const spec = result.data;
  const refuse = (message: string, field: string) => new ValidationError(message, field, { code: 'invalid_curriculum' });
  const seen = new Map<string, number>();
  for (const [i, level] of spec.levels.entries()) {
    const before = seen.get(level.name);
    if (before !== undefined) throw refuse(`level name ${JSON.stringify(level.name)} is used twice (also levels.${before}.name)`, `levels.${i}.name`);
    seen.set(level.name, i);
    const tag = curriculumTag(spec.name, level.name);
    if (tag.length > TAG_MAX) throw refuse(`the jobs' tag ${JSON.stringify(tag)} is ${tag.length} characters, at most ${TAG_MAX}: shorten the level or curriculum name`, `levels.${i}.name`);
  }
  const { demote, promote } = spec;
  if (demote) {
    const higherIsBetter = promote.atLeast !== undefined;
    const [key, other] = higherIsBetter ? (['below', 'above'] as const) : (['above', 'below'] as const);
    if (demote[other] !== undefined) throw refuse(`with promote.${higherIsBetter ? 'atLeast' : 'atMost'} the floor is demote.${key}, got demote.${other}`, `demote.${other}`);
    const floor = demote[key];
    if (floor === undefined) throw refuse(`is required (expected a number: demote when values are ${higherIsBetter ? 'below' : 'above'} it)`, `demote.${key}`);
    const bound = (promote.atLeast ?? promote.atMost)!;
    if (higherIsBetter ? floor >= bound : floor <= bound) {
      throw refuse(`${floor} must be ${higherIsBetter ? 'below' : 'above'} the promote bound ${bound}`, `demote.${key}`);
    }
  }
  checkLevelJobs(spec);
  return spec;
}

/** Each level's job specs through `parseJobSpec`; the error names the field where it was written. */
function checkLevelJobs(spec: CurriculumSpec): void {
  for (const [i, level] of spec.levels.entries()) {
    for (const kind of level.generate ? (['train', 'generate'] as const) : (['train'] as const)) {
      try {
        parseJobSpec(levelJobSpec(spec, i, kind));
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const raw = error.field && error.message.startsWith(`${error.field}: `) ? error.message.slice(error.field.length + 2) : error.message;
        throw new ValidationError(raw, levelJobField(spec, i, kind, error.field), { code: 'invalid_curriculum' });
      }
    }
  }
}

/** The tag of a curriculum's jobs at a level: `curriculum:<name>:<level>`. */
export function curriculumTag(name: string, level: string): string {
  return `curriculum:${name}:${level}`;
}

/** The curriculum and level a tag names, or null for another tag. */
export function parseCurriculumTag(tag: string): { readonly curriculum: string; readonly level: string } | null {
  const match = /^curriculum:([^:]+):([^:]+)$/.exec(tag);
  return match ? { curriculum: match[1], level: match[2] } : null;
}

/** Keys of a level's `job` merged key by key over the base; any other key replaces. */
const MERGED_KEYS = ['params', 'env', 'datasets'] as const;

export type LevelJobKind = 'train' | 'generate';

/**
 * The job spec input (for `parseJobSpec`) of a level: `train` is the base `job` with the level's
 * overlay, the level's suite added to `evaluate`; `generate` is the level's `generate` spec
 * (its cwd defaulting to the base job's). Both carry the level's tag (generate jobs also
 * `curriculum-generate`), a default name, and the environment `CURRICULUM_NAME`,
 * `CURRICULUM_LEVEL`, `CURRICULUM_LEVEL_INDEX`. Throws ValidationError for an unknown level
 * index or a level without `generate`.
 */
export function levelJobSpec(spec: CurriculumSpec, levelIndex: number, kind: LevelJobKind): Record<string, unknown> {
  const level = spec.levels[levelIndex];
  if (!level) throw new ValidationError(`curriculum ${spec.name} has no level ${levelIndex} (levels 0–${spec.levels.length - 1})`, 'level');
  const env = { CURRICULUM_NAME: spec.name, CURRICULUM_LEVEL: level.name, CURRICULUM_LEVEL_INDEX: String(levelIndex) };
  const tags = [curriculumTag(spec.name, level.name)];
  if (kind === 'generate') {
    if (!level.generate) throw new ValidationError(`level ${level.name} of curriculum ${spec.name} has no generate job`, `levels.${levelIndex}.generate`, { code: 'invalid_curriculum' });
    const g = level.generate;
    return {
      ...g,
      name: g.name ?? `${spec.name}-${level.name}-generate`,
      cwd: g.cwd ?? spec.job.cwd,
      env: { ...asRecord(g.env), ...env },
      tags: [...asArray(g.tags), ...tags, GENERATE_TAG],
    };
  }
  const merged: Record<string, unknown> = { ...spec.job, ...level.job };
  for (const key of MERGED_KEYS) {
    if (spec.job[key] !== undefined || level.job[key] !== undefined) merged[key] = { ...asRecord(spec.job[key]), ...asRecord(level.job[key]) };
  }
  const evaluate = asArray(merged.evaluate);
  return {
    ...merged,
    name: merged.name ?? `${spec.name}-${level.name}`,
    env: { ...asRecord(merged.env), ...env },
    evaluate: evaluate.includes(level.suite) ? evaluate : [...evaluate, level.suite],
    tags: [...asArray(merged.tags), ...tags],
  };
}

/**
 * Where a field of a level's job spec came from, for messages: `levels.N.job.F` when the level's
 * overlay (or `generate`) sets its top key, else `job.F`.
 */
export function levelJobField(spec: CurriculumSpec, levelIndex: number, kind: LevelJobKind, field: string | null): string {
  const level = spec.levels[levelIndex];
  if (kind === 'generate') return `levels.${levelIndex}.generate${field ? `.${field}` : ''}`;
  const top = field?.split('.')[0];
  if (top === undefined) return `levels.${levelIndex}.job`;
  return top in level.job ? `levels.${levelIndex}.job.${field}` : `job.${field}`;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Exponential moving average over values, seeded with the first: s1 = v1, si = a·vi + (1 − a)·s(i−1). */
export function smooth(values: readonly number[], ema: number | undefined): number[] {
  if (ema === undefined) return [...values];
  const out: number[] = [];
  for (const v of values) out.push(out.length === 0 ? v : ema * v + (1 - ema) * out[out.length - 1]);
  return out;
}

export interface LevelDecision {
  readonly direction: 'promote' | 'demote' | 'stay';
  /** A promotion from the last level. */
  readonly completed: boolean;
  /** The level after (equal to the current one for stay and completed). */
  readonly to: number;
  /** With the numbers. */
  readonly reason: string;
  /** The last values the rule read (smoothed where `ema` is given). */
  readonly values: readonly number[];
}

/**
 * What a level's window says: promote, demote or stay. `window`: the raw values counted at the
 * current level, oldest first (smoothing is applied here, over the whole window).
 */
export function decideLevel(spec: CurriculumSpec, level: number, window: readonly number[]): LevelDecision {
  const { promote, demote, metric } = spec;
  const series = smooth(window, promote.ema);
  const label = promote.ema === undefined ? metric : `${metric} (EMA ${promote.ema})`;
  const higherIsBetter = promote.atLeast !== undefined;
  const bound = (promote.atLeast ?? promote.atMost)!;
  const last = spec.levels.length - 1;
  const show = (values: readonly number[]) => values.map((v) => Number(v.toPrecision(4))).join(', ');
  const stay = (reason: string, values: readonly number[]): LevelDecision => ({ direction: 'stay', completed: false, to: level, reason, values });

  const tail = series.slice(-promote.over);
  if (series.length >= promote.over && tail.every((v) => (higherIsBetter ? v >= bound : v <= bound))) {
    const reason = `${label} ${show(tail)} ${higherIsBetter ? '≥' : '≤'} ${bound} over the last ${promote.over}`;
    if (level >= last) return { direction: 'promote', completed: true, to: level, reason: `${reason}: the last level is passed`, values: tail };
    return { direction: 'promote', completed: false, to: level + 1, reason, values: tail };
  }
  if (demote) {
    const floor = (higherIsBetter ? demote.below : demote.above)!;
    const low = series.slice(-demote.over);
    if (series.length >= demote.over && low.every((v) => (higherIsBetter ? v < floor : v > floor))) {
      const reason = `${label} ${show(low)} ${higherIsBetter ? '<' : '>'} ${floor} over the last ${demote.over}`;
      if (level === 0) return stay(`${reason}, but the first level never demotes`, low);
      return { direction: 'demote', completed: false, to: level - 1, reason, values: low };
    }
  }
  const need = Math.max(0, promote.over - series.length);
  return stay(need > 0 ? `${series.length} of ${promote.over} evaluations so far (${label} ${show(series) || 'none'})` : `${label} ${show(tail)}: not each ${higherIsBetter ? '≥' : '≤'} ${bound} over the last ${promote.over}`, tail);
}
