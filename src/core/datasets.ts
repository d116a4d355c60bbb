/**
 * Dataset domain types and the pure policies over them: validation depths, `name@version`
 * references, and which depth a version has passed.
 *
 * Terminology
 * - dataset: a name ("chat-v3") under which versions are registered.
 * - version: immutable, content-addressed data (the sha256 of a file's bytes, or of a folder's
 *   sorted per-file hashes), numbered 1, 2, … per name.
 * - format: how rows are read and checked ("chat", "csv", a registered JSON Schema format).
 * - depth (level): quick ⊂ standard ⊂ deep; each rule belongs to the depth that introduces it.
 * - validation: one run of the validator over a version at a depth, recorded with its report.
 * - eval set: a dataset a job evaluates on; training data is checked for contamination by it.
 */

export const VALIDATION_LEVELS = ['quick', 'standard', 'deep'] as const;
export type ValidationLevel = (typeof VALIDATION_LEVELS)[number];

/** quick 0, standard 1, deep 2. */
export function levelRank(level: ValidationLevel): number {
  return VALIDATION_LEVELS.indexOf(level);
}

export type Severity = 'error' | 'warning';

/** One occurrence of a rule: where it is and what is wrong. */
export interface IssueExample {
  /** The file, relative to a registered folder, or the path validated. */
  readonly file: string;
  /** 1-based line (for CSV: the record's first line); null for file-wide issues. */
  readonly line: number | null;
  /** Dotted path of the field, e.g. `messages[2].content`; null when the whole row or file. */
  readonly field: string | null;
  readonly message: string;
  /** Byte offset of the line's start in the (decompressed) file, when known. */
  readonly offset?: number;
  /** The other row of a pair (duplicates, contamination), when there is one. */
  readonly other?: { readonly file: string; readonly line: number; readonly dataset?: string };
}

/** Counts and first examples of one rule in a report. */
export interface RuleResult {
  readonly rule: string;
  readonly severity: Severity;
  /** The depth that introduces the rule. */
  readonly level: ValidationLevel;
  readonly count: number;
  readonly description: string;
  readonly examples: readonly IssueExample[];
}

export interface FileReport {
  readonly path: string;
  /** Bytes on disk (compressed size for gzip). */
  readonly bytes: number;
  readonly rows: number;
  readonly compression: 'gzip' | null;
  readonly bom: boolean;
  readonly lineEndings: 'lf' | 'crlf' | 'mixed' | 'none';
}

/** Length statistics of one text field (for chat: the content of one role) over all rows. */
export interface FieldStats {
  readonly field: string;
  /** Values seen (a field repeated in a row, like a role's messages, counts each time). */
  readonly count: number;
  /** Values that are empty or whitespace-only. */
  readonly empty: number;
  readonly minChars: number;
  readonly maxChars: number;
  readonly meanChars: number;
}

export interface TokenStats {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** Approximate percentiles from a log-scale histogram. */
  readonly p50: number;
  readonly p95: number;
  readonly total: number;
}

export interface ReportStats {
  readonly fields: readonly FieldStats[];
  /** Estimated tokens per row (see `ValidationSettings.charsPerToken`). */
  readonly tokens: TokenStats | null;
  /** Messages or turns by role, for conversational formats. */
  readonly roles: Readonly<Record<string, number>>;
}

/** An eval set a training set was checked against, with what was found. */
export interface EvalSetResult {
  /** `name@version`, or the path for an unregistered file. */
  readonly ref: string;
  readonly sha256: string | null;
  readonly rows: number;
  /** Training rows sharing at least one n-gram with a row of this eval set. */
  readonly contaminatedRows: number;
}

/** The settings a validation ran with (defaults in src/datasets/settings.ts). */
export interface ValidationSettings {
  readonly charsPerToken: number;
  readonly maxTokens: number;
  readonly maxLineBytes: number;
  readonly nearDuplicateThreshold: number;
  readonly shingleWords: number;
  readonly ngramWords: number;
  readonly leakageMinWords: number;
  readonly sampleBytes: number;
}

export interface ValidationReport {
  readonly format: string;
  readonly level: ValidationLevel;
  /** No rule of severity error fired. */
  readonly passed: boolean;
  readonly errors: number;
  readonly warnings: number;
  /** Errors per depth of the rule that fired (contamination excluded: it is per eval set). */
  readonly errorsByLevel: Readonly<Record<ValidationLevel, number>>;
  /** Rows read; at quick, an estimate from the sample (see `rowsEstimated`). */
  readonly rows: number;
  readonly rowsEstimated: boolean;
  /** Present when only a sample was read (depth quick on a large file): the rows read and
   * checked, of the `rows` estimated. Absent when every row was read. */
  readonly rowsSampled?: number;
  /** Bytes on disk of all files. */
  readonly bytes: number;
  readonly files: readonly FileReport[];
  /** Rules that fired, errors first, then by count. */
  readonly rules: readonly RuleResult[];
  readonly stats: ReportStats;
  readonly evalSets: readonly EvalSetResult[];
  readonly settings: ValidationSettings;
  readonly durationMs: number;
  /** One line: "chat · standard · 12,000 rows · 2 errors (schema ×2) · 1 warning · FAILED". */
  readonly summary: string;
}

/** A validation as recorded for a version; the report itself is fetched separately. */
export interface ValidationRecord {
  readonly id: number;
  readonly versionId: number;
  readonly level: ValidationLevel;
  readonly passed: boolean;
  readonly errors: number;
  readonly warnings: number;
  readonly errorsByLevel: Readonly<Record<ValidationLevel, number>>;
  readonly evalSets: readonly EvalSetResult[];
  readonly summary: string;
  readonly createdAt: number;
}

export type LevelStatus = 'passed' | 'failed' | 'unchecked';

export interface DatasetVersion {
  readonly id: number;
  readonly name: string;
  readonly version: number;
  /** Hex sha256 of the bytes (a folder: of its sorted `sha256  path` lines). */
  readonly sha256: string;
  readonly format: string;
  readonly bytes: number;
  readonly files: number;
  /** Exact once a standard or deep validation ran; else the quick estimate. */
  readonly rows: number;
  readonly rowsExact: boolean;
  /** The path it was registered from (informational: the data lives in the data directory). */
  readonly source: string;
  /**
   * Where the registered copy lies, relative to `<dataDir>/datasets/`: `<sha256>/<file name>`
   * for a file, `<sha256>` for a folder.
   */
  readonly path: string;
  readonly createdAt: number;
  /** Oldest first. */
  readonly validations: readonly ValidationRecord[];
  /** Each depth's standing, decided by `levelStatus`. */
  readonly levels: Readonly<Record<ValidationLevel, LevelStatus>>;
}

export interface DatasetSummary {
  readonly name: string;
  readonly versions: number;
  readonly latest: DatasetVersion;
}

/** A run that read a dataset version (lineage). */
export interface DatasetUse {
  readonly versionId: number;
  readonly jobId: number;
  readonly runId: number;
  /** The role the job gave it ("train", "eval"). */
  readonly role: string;
  readonly createdAt: number;
}

/** A user-defined format: a JSON Schema for each row plus extra rules (src/datasets/formats). */
export interface FormatDefinition {
  readonly name: string;
  readonly description?: string;
  /** JSON Schema (draft 2020-12 or 07) of one JSONL row. */
  readonly schema: Record<string, unknown>;
  /** Fields whose text counts for length, duplicates and contamination. Default: all strings. */
  readonly textFields?: readonly string[];
  /** For answer leakage: the prompt and answer fields. */
  readonly promptField?: string;
  readonly answerField?: string;
  /** Fields (or field combinations joined by `+`) whose values must be unique across rows. */
  readonly unique?: readonly string[];
}

export interface StoredFormat {
  readonly name: string;
  readonly definition: FormatDefinition;
  readonly sha256: string;
  readonly createdAt: number;
}

/**
 * Whether a version stands at `level`: the deepest, most recent validation at or above that
 * depth decides, counting errors of the rules of that depth and shallower. (Deeper and newer
 * validations know more; a re-validation with new settings supersedes an older one.)
 */
export function levelStatus(validations: readonly ValidationRecord[], level: ValidationLevel): LevelStatus {
  const rank = levelRank(level);
  let decider: ValidationRecord | null = null;
  for (const v of validations) {
    if (levelRank(v.level) < rank) continue;
    if (decider === null || levelRank(v.level) > levelRank(decider.level) || (v.level === decider.level && v.createdAt >= decider.createdAt)) {
      decider = v;
    }
  }
  if (decider === null) return 'unchecked';
  let errors = 0;
  for (const l of VALIDATION_LEVELS) if (levelRank(l) <= rank) errors += decider.errorsByLevel[l] ?? 0;
  return errors === 0 ? 'passed' : 'failed';
}

export function levelStatuses(validations: readonly ValidationRecord[]): Record<ValidationLevel, LevelStatus> {
  return {
    quick: levelStatus(validations, 'quick'),
    standard: levelStatus(validations, 'standard'),
    deep: levelStatus(validations, 'deep'),
  };
}

/**
 * Contamination of a training version by one eval set (by sha256): the most recent deep
 * validation that checked against it decides. null when none did.
 */
export function contaminationStatus(validations: readonly ValidationRecord[], evalSha256: string): { contaminatedRows: number; validationId: number } | null {
  let found: { contaminatedRows: number; validationId: number; at: number } | null = null;
  for (const v of validations) {
    const hit = v.evalSets.find((e) => e.sha256 === evalSha256);
    if (hit && (found === null || v.createdAt >= found.at)) found = { contaminatedRows: hit.contaminatedRows, validationId: v.id, at: v.createdAt };
  }
  return found && { contaminatedRows: found.contaminatedRows, validationId: found.validationId };
}

/** Dataset names: a letter or digit, then letters, digits, `.`, `_`, `-`; at most 100. */
export const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Names the routes use for themselves (`/api/v1/datasets/formats`). */
export const RESERVED_DATASET_NAMES: ReadonlySet<string> = new Set(['formats', 'validate']);

export interface DatasetRef {
  readonly name: string;
  /** null: the latest version. */
  readonly version: number | null;
}

/** Parses `name` or `name@version`; null when malformed. */
export function parseDatasetRef(text: string): DatasetRef | null {
  const at = text.lastIndexOf('@');
  const name = at === -1 ? text : text.slice(0, at);
  if (!DATASET_NAME.test(name)) return null;
  if (at === -1) return { name, version: null };
  const v = text.slice(at + 1);
  if (!/^[1-9][0-9]{0,8}$/.test(v)) return null;
  return { name, version: Number(v) };
}

export function formatDatasetRef(name: string, version: number): string {
  return `${name}@${version}`;
}

/**
 * Roles whose data a job evaluates on: `eval…`, `val…`, `test…` (`eval`, `validation`,
 * `test-hard`). Training roles are checked for contamination against them at depth deep.
 */
export function isEvalRole(role: string): boolean {
  return /^(eval|val|test)/i.test(role);
}
