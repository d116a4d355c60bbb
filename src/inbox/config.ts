/**
 * `<dataDir>/inbox.yaml`: the inbox's settings and templates. Absent: the inbox is off.
 * The file is parsed and each template's job is checked with sample values at load, so a typo
 * shows up when the file is saved, not when the first file is dropped.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DATASET_NAME, levelRank, RESERVED_DATASET_NAMES, VALIDATION_LEVELS, type ValidationLevel } from '../core/datasets.ts';
import { curriculumNameSchema } from '../core/curriculum.ts';
import { ValidationError } from '../core/errors.ts';
import { parseJobSpec, validationErrorFrom } from '../core/job-spec.ts';
import { datasetNameFor, globToRegExp, jobInputFor, type FileVars, type InboxTemplate } from './template.ts';

/** Defaults, each with its reason. */
export const INBOX_DEFAULTS = Object.freeze({
  /** Twice a second feels immediate and costs a readdir of three folders. */
  pollMs: 500,
  /** A copy over a slow network share pauses for well under 2 s between writes. */
  stableMs: 2000,
});

export interface InboxConfig {
  readonly pollMs: number;
  readonly stableMs: number;
  readonly templates: readonly InboxTemplate[];
  /** Folder of inbox.yaml: a relative or missing `cwd` of a template is taken from it. */
  readonly baseDir: string;
}

export type ConfigLoad =
  | { readonly kind: 'absent' }
  | { readonly kind: 'invalid'; readonly message: string }
  | { readonly kind: 'ok'; readonly config: InboxConfig };

const templateSchema = z.strictObject({
  match: z.string().min(1).refine((glob) => {
    try {
      globToRegExp(glob);
      return true;
    } catch {
      return false;
    }
  }, 'unclosed { in the glob'),
  job: z.record(z.string(), z.unknown()).optional(),
  /** Instead of `job:`: the current level's job of this curriculum (docs/curriculum.md), read when the file's job is created. */
  curriculum: curriculumNameSchema.optional(),
  validate: z
    .strictObject({
      format: z.string().min(1),
      level: z.enum(['quick', 'standard', 'deep']).default('quick'),
    })
    .optional(),
  dataset: z
    .strictObject({
      name: z.string().min(1),
      format: z.string().min(1),
      role: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'a role: a lower-case letter, then letters, digits, "_" or "-"').default('train'),
      depth: z.enum(VALIDATION_LEVELS).default('standard'),
    })
    .optional(),
}).refine((t) => !(t.validate && t.dataset), { message: 'give validate or dataset, not both: dataset validates the file when it registers it', path: ['validate'] })
  .refine((t) => (t.job === undefined) !== (t.curriculum === undefined), { message: 'give job (a job spec) or curriculum (a curriculum name), exactly one', path: ['job'] });

/** Values the templates are checked with at load. */
const SAMPLE: FileVars = { file: '/inbox/processing/sample.jsonl', name: 'sample.jsonl', priority: 'normal', sha256: '0'.repeat(64) };

const configSchema = z.strictObject({
  pollMs: z.number().int().min(20).max(60_000).default(INBOX_DEFAULTS.pollMs),
  stableMs: z.number().int().min(0).max(86_400_000).default(INBOX_DEFAULTS.stableMs),
  templates: z.array(templateSchema).min(1, 'needs at least one template'),
});

/** Parses the text of inbox.yaml found at `path`; throws `ValidationError` naming the field. */
export function parseInboxConfig(text: string, path: string): InboxConfig {
  let value: unknown;
  try {
    value = parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    throw new ValidationError(`not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const result = configSchema.safeParse(value ?? {});
  if (!result.success) throw validationErrorFrom(result.error, 'invalid_inbox_config');
  const baseDir = dirname(path);
  const templates = result.data.templates.map((t) => (t.job && (t.job.cwd === undefined || t.job.cwd === null) ? { ...t, job: { ...t.job, cwd: baseDir } } : t));
  templates.forEach((template, i) => {
    checkTemplateDataset(template, i);
    // A curriculum's level job is checked when the curriculum is applied, and read when a file comes.
    if (template.curriculum !== undefined) return;
    const name = datasetNameFor(template, SAMPLE);
    try {
      parseJobSpec(jobInputFor(template, SAMPLE, baseDir, name === null ? undefined : `${name}@1`));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new ValidationError(error.message, `templates.${i}.job`, { code: 'invalid_inbox_config' });
    }
  });
  return Object.freeze({ pollMs: result.data.pollMs, stableMs: result.data.stableMs, templates, baseDir });
}

/** `dataset:` against its job: a name that can be registered, a role the job leaves free, a depth the job can use. */
function checkTemplateDataset(template: InboxTemplate, i: number): void {
  const dataset = template.dataset;
  if (!dataset) return;
  const refuse = (message: string, field: string) => new ValidationError(message, `templates.${i}.${field}`, { code: 'invalid_inbox_config' });
  const name = datasetNameFor(template, SAMPLE)!;
  if (!DATASET_NAME.test(name) || RESERVED_DATASET_NAMES.has(name)) {
    throw refuse(`${JSON.stringify(dataset.name)} gives ${JSON.stringify(name)} for sample.jsonl, not a dataset name (letters, digits, ".", "_" and "-", starting with a letter or digit, at most 100; not formats or validate)`, 'dataset.name');
  }
  const given = template.job?.datasets;
  if (given !== null && typeof given === 'object' && dataset.role in given) {
    throw refuse(`role ${dataset.role} is also dataset.role: the dropped file's version goes there; name another role`, `job.datasets.${dataset.role}`);
  }
  const level = template.job?.datasetLevel;
  if (typeof level === 'string' && (VALIDATION_LEVELS as readonly string[]).includes(level) && levelRank(level as ValidationLevel) > levelRank(dataset.depth)) {
    throw refuse(`${level} is deeper than dataset.depth ${dataset.depth}: the dropped file would be refused; raise dataset.depth or lower datasetLevel`, 'job.datasetLevel');
  }
}

/** Reads inbox.yaml; never throws for a missing or bad file (the result says which). */
export async function loadInboxConfig(path: string): Promise<ConfigLoad> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    return { kind: 'invalid', message: (error as Error).message };
  }
  try {
    return { kind: 'ok', config: parseInboxConfig(text, path) };
  } catch (error) {
    if (error instanceof ValidationError) return { kind: 'invalid', message: error.message };
    throw error;
  }
}
