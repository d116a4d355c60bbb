/**
 * The datasets module's door: validate a file or folder against a format at a depth, without
 * registering it. The inbox, the server routes and `trainyard data validate` all call this.
 *
 * ```ts
 * const report = await validateFile('drop/a.jsonl', { format: 'chat', level: 'standard' });
 * if (!report.passed) console.log(report.summary);   // "chat · standard · 1,200 rows · 3 errors (schema ×3) · FAILED"
 * ```
 *
 * Never throws for what a file holds (bad bytes, bad rows: all in the report); throws
 * `ValidationError` for a caller's mistake: unknown format, unknown level, missing path.
 */
import { VALIDATION_LEVELS, type ValidationLevel, type ValidationReport } from '../core/datasets.ts';
import { ValidationError } from '../core/errors.ts';
import { BUILTIN_FORMATS } from './formats/registry.ts';
import { validatePath, type ValidateOptions } from './validate.ts';

export type {
  DatasetVersion,
  EvalSetResult,
  FieldStats,
  FileReport,
  FormatDefinition,
  IssueExample,
  RuleResult,
  Severity,
  ValidationLevel,
  ValidationReport,
  ValidationSettings,
} from '../core/datasets.ts';
export type { EvalSetInput } from './eval-sets.ts';
export type { FormatSpec } from './formats/format.ts';
export { BUILTIN_FORMATS, resolveFormat, UnknownFormatError } from './formats/registry.ts';
export { parseFormatDefinition } from './formats/user-format.ts';
export { DatasetPathError } from './read/folder.ts';
export { RULES, type RuleId } from './rules.ts';
export { DEFAULT_SETTINGS } from './settings.ts';
export type { ValidateOptions } from './validate.ts';

/** The report is the same object for the inbox and the API; `Report` names it for short. */
export type Report = ValidationReport;

/**
 * Validates `path` (a file, `.gz` read transparently, or a folder) as `format` at `level`
 * (default standard). `evalSets` are checked for contamination at depth deep.
 */
export async function validateFile(path: string, options: Omit<ValidateOptions, 'level'> & { level?: ValidationLevel | string }): Promise<ValidationReport> {
  const level = options.level ?? 'standard';
  if (!(VALIDATION_LEVELS as readonly string[]).includes(level)) {
    throw new ValidationError(`unknown level ${JSON.stringify(level)}; one of ${VALIDATION_LEVELS.join(', ')}`, 'level', { code: 'invalid_input' });
  }
  return validatePath(path, { ...options, level: level as ValidationLevel });
}

/** Names and descriptions of the built-in formats. */
export function builtinFormats(): Array<{ name: string; description: string }> {
  return [...BUILTIN_FORMATS.values()].map((f) => ({ name: f.name, description: f.description }));
}
