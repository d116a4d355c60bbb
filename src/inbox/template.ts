/**
 * From a dropped file to a job spec: the first template whose glob matches the file's name,
 * with placeholders substituted in every string of its job. Pure.
 *
 * Placeholders: `{file}` (absolute path of the file in processing/), `{name}` (the name it was
 * dropped with), `{stem}` (that name without extensions), `{priority}` (high, normal or low),
 * `{sha256}`. Anything else in braces is left as it is (`${HOME}` in a shell command stays).
 * In a shell command (a string, or `shell: true`) the values are inserted single-quoted, so a
 * file name cannot inject shell syntax.
 */
import { isAbsolute, resolve } from 'node:path';
import type { ValidationLevel } from '../core/datasets.ts';
import { priorityInput } from '../core/job-spec.ts';
import type { PriorityClass } from '../core/types.ts';
import { splitName } from './names.ts';

export interface InboxTemplate {
  /** Glob on the file name: `*` any run of characters, `?` one, `{a,b}` alternatives. */
  readonly match: string;
  /** A job spec (docs/http-api.md) with placeholders; absent with `curriculum`. */
  readonly job?: Readonly<Record<string, unknown>>;
  /** Instead of `job`: the current level's job of this curriculum (curriculum-job.ts), placeholders filled in the same way. */
  readonly curriculum?: string;
  readonly validate?: { readonly format: string; readonly level: string };
  /** Register each file as a version of a dataset, and give it to the job under `role`. */
  readonly dataset?: TemplateDataset;
}

/** `dataset:` of a template (docs/inbox.md). */
export interface TemplateDataset {
  /** Dataset name; placeholders allowed (`chat-{stem}`), a fixed name makes each file its next version. */
  readonly name: string;
  readonly format: string;
  /** Role in the job's `datasets`. Default: train. */
  readonly role: string;
  /** Depth it is validated at when registered, and the job's `datasetLevel` unless it sets one. Default: standard. */
  readonly depth: ValidationLevel;
}

export interface FileVars {
  readonly file: string;
  readonly name: string;
  readonly priority: PriorityClass;
  readonly sha256: string;
}

/** Tag every job made by the inbox carries. */
export const INBOX_TAG = 'inbox';

/** Turns a glob into an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  let inGroup = false;
  for (const ch of glob) {
    if (ch === '*') out += '.*';
    else if (ch === '?') out += '.';
    else if (ch === '{' && !inGroup) {
      out += '(?:';
      inGroup = true;
    } else if (ch === '}' && inGroup) {
      out += ')';
      inGroup = false;
    } else if (ch === ',' && inGroup) out += '|';
    else out += ch.replace(/[.+^$()|[\]\\{}]/g, '\\$&');
  }
  if (inGroup) throw new SyntaxError(`unclosed { in glob ${JSON.stringify(glob)}`);
  return new RegExp(`^${out}$`, 's');
}

/** Index of the first template matching `name`, or -1. */
export function matchTemplate(templates: readonly InboxTemplate[], name: string): number {
  return templates.findIndex((t) => globToRegExp(t.match).test(name));
}

/** POSIX shell single-quoting. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function substitute(text: string, vars: FileVars, quote: (v: string) => string): string {
  const values: Record<string, string> = {
    file: vars.file,
    name: vars.name,
    stem: splitName(vars.name)[0],
    priority: vars.priority,
    sha256: vars.sha256,
  };
  return text.replace(/\{(file|name|stem|priority|sha256)\}/g, (_, key: string) => quote(values[key]));
}

function substituteDeep(value: unknown, vars: FileVars): unknown {
  if (typeof value === 'string') return substitute(value, vars, (v) => v);
  if (Array.isArray(value)) return value.map((v) => substituteDeep(v, vars));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteDeep(v, vars)]));
  }
  return value;
}

/** The dataset name a template's `dataset:` gives a file (placeholders filled in); null without one. */
export function datasetNameFor(template: InboxTemplate, vars: FileVars): string | null {
  return template.dataset ? substitute(template.dataset.name, vars, (v) => v) : null;
}

/**
 * The job spec input (for `parseJobSpec`) a template makes for a file: placeholders filled in,
 * a relative `cwd` resolved against `baseDir` (the folder of inbox.yaml), the priority class
 * taken from the folder (a `value` the template gives is kept), and the `inbox` tag added.
 * With `datasetRef` (the version the file became, `name@version`), the job's `datasets` gets it
 * under the template's `dataset.role`, and `datasetLevel` defaults to `dataset.depth`.
 */
export function jobInputFor(template: InboxTemplate, vars: FileVars, baseDir: string, datasetRef?: string): Record<string, unknown> {
  const job = template.job ?? {};
  const shell = typeof job.command === 'string' || job.shell === true;
  const input = substituteDeep(job, vars) as Record<string, unknown>;
  if (shell && job.command !== undefined) {
    const quoted = (v: unknown): unknown => (typeof v === 'string' ? substitute(v, vars, shellQuote) : v);
    input.command = Array.isArray(job.command) ? job.command.map(quoted) : quoted(job.command);
  }
  if (typeof input.cwd === 'string' && !isAbsolute(input.cwd)) input.cwd = resolve(baseDir, input.cwd);
  const given = priorityInput.safeParse(job.priority ?? 'normal');
  input.priority = given.success ? { class: vars.priority, value: given.data.value } : job.priority;
  const tags = Array.isArray(input.tags) ? input.tags : [];
  input.tags = tags.includes(INBOX_TAG) ? tags : [...tags, INBOX_TAG];
  if (template.dataset && datasetRef !== undefined) {
    const given = input.datasets !== null && typeof input.datasets === 'object' ? input.datasets : {};
    input.datasets = { ...given, [template.dataset.role]: datasetRef };
    input.datasetLevel ??= template.dataset.depth;
  }
  return input;
}
