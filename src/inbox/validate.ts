/**
 * Validation of a dropped file before its job is queued. Uses `validateFile(path, {format,
 * level})` of `src/datasets/index.ts` when that module exists; else a built-in check that the
 * file is not empty and, for JSONL formats, that every line is a JSON object.
 */
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ValidateRule {
  readonly format: string;
  readonly level: string;
}

export interface Verdict {
  readonly ok: boolean;
  /** One line for the reason: "3 errors (first: line 4: not JSON)". */
  readonly summary: string;
  /** The validator's report, written as JSON beside a failed file. */
  readonly report: unknown;
}

export type ValidateFile = (path: string, rule: ValidateRule) => unknown;

/** Formats the built-in check reads as plain text rather than JSONL. */
const TEXT_FORMATS = new Set(['text', 'csv']);
/** Lines the built-in check reads at level quick (all lines at other levels). */
const QUICK_LINES = 1000;
/** Errors kept in a built-in report. */
const MAX_ERRORS = 20;

/** The datasets module: `.ts` beside the sources, `.js` in the compiled dist/. */
const DATASETS = new URL(`../datasets/index${extname(import.meta.url)}`, import.meta.url);
let datasets: Promise<ValidateFile | null> | null = null;

/** The datasets module's validator, or null while that module does not exist. */
export function datasetsValidator(): Promise<ValidateFile | null> {
  datasets ??= existsSync(fileURLToPath(DATASETS))
    ? import(DATASETS.href).then((m: { validateFile?: ValidateFile }) => (typeof m.validateFile === 'function' ? m.validateFile : null))
    : Promise.resolve(null);
  return datasets;
}

/** Validates `path`; a validator that throws gives a failed verdict, never an exception. */
export async function validateInboxFile(path: string, rule: ValidateRule, validator?: ValidateFile | null): Promise<Verdict> {
  try {
    const external = validator === undefined ? await datasetsValidator() : validator;
    if (external === null) return await builtinCheck(path, rule);
    return verdictOf(await external(path, rule));
  } catch (error) {
    return { ok: false, summary: `the validator failed: ${(error as Error).message}`, report: { error: String(error) } };
  }
}

/**
 * Reads a datasets report. Accepts `ok`, `passed` or `valid` (boolean), else counts `errors`
 * (a number or a list, at the top or under `summary`/`counts`); a report with neither fails.
 */
export function verdictOf(report: unknown): Verdict {
  const r = (report ?? {}) as Record<string, unknown>;
  const count = (v: unknown) => (typeof v === 'number' ? v : Array.isArray(v) ? v.length : null);
  const nested = (key: string) => (r[key] !== null && typeof r[key] === 'object' ? (r[key] as Record<string, unknown>) : {});
  const errors = count(r.errors) ?? count(nested('summary').errors) ?? count(nested('counts').errors);
  const warnings = count(r.warnings) ?? count(nested('summary').warnings) ?? count(nested('counts').warnings);
  const flag = [r.ok, r.passed, r.valid].find((v) => typeof v === 'boolean') as boolean | undefined;
  const ok = flag ?? (errors === null ? false : errors === 0);
  const summary = typeof r.summary === 'string' ? r.summary
    : errors !== null ? `${errors} error${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`
    : flag === undefined ? 'the report gives no verdict' : ok ? 'passed' : 'failed';
  return { ok, summary, report };
}

/** The check used until src/datasets exists. */
export async function builtinCheck(path: string, rule: ValidateRule): Promise<Verdict> {
  const jsonl = !TEXT_FORMATS.has(rule.format);
  const maxLines = rule.level === 'quick' ? QUICK_LINES : Infinity;
  const errors: Array<{ line: number; message: string }> = [];
  let errorCount = 0;
  let lines = 0;
  let rows = 0;
  const input = createReadStream(path, 'utf8');
  const lineReader = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lineReader) {
    if (++lines > maxLines) break;
    if (line.trim() === '') continue;
    rows++;
    if (!jsonl) continue;
    const problem = jsonObjectProblem(line);
    if (problem && ++errorCount <= MAX_ERRORS) errors.push({ line: lines, message: problem });
  }
  lineReader.close();
  input.destroy();
  if (rows === 0) {
    errorCount++;
    errors.unshift({ line: 0, message: (await stat(path)).size === 0 ? 'the file is empty' : 'the file holds only blank lines' });
  }
  const ok = errorCount === 0;
  const summary = ok ? `${rows} row${rows === 1 ? '' : 's'}` : `${errorCount} error${errorCount === 1 ? '' : 's'} (first: ${errors[0].line ? `line ${errors[0].line}: ` : ''}${errors[0].message})`;
  const report = {
    validator: 'builtin',
    note: 'src/datasets is not available: only checked that the file is not empty and, for JSONL formats, that each line read is a JSON object',
    format: rule.format, level: rule.level, ok, linesRead: Math.min(lines, maxLines), rows, errorCount, errors,
  };
  return { ok, summary, report };
}

function jsonObjectProblem(line: string): string | null {
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? null : 'not a JSON object';
  } catch {
    return 'not valid JSON';
  }
}
