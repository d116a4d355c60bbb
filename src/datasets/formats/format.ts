/**
 * What a format is: how its files are read (the container) and how one row is checked. A
 * checker is pure: it gets a parsed row and reports issues through a sink; the pipeline
 * (src/datasets/validate.ts) supplies file, line and counting.
 */
import type { RuleId } from '../rules.ts';

/** How rows are cut from a file: JSON lines, plain text lines, or CSV records. */
export type Container = 'jsonl' | 'text' | 'csv';

export interface IssueSink {
  /** An issue of the row being checked. `field` is a dotted path (`messages[2].content`) or null. */
  issue(rule: RuleId, field: string | null, message: string): void;
  /** An issue of an earlier row of this file (checkers that decide late, like CSV types). */
  issueAt(line: number, rule: RuleId, field: string | null, message: string): void;
}

/**
 * How a piece of a row's text takes part in the later checks.
 * - `system`: counts for length and exact duplicates; not for near-duplicates, contamination
 *   or leakage (a shared system prompt would make every row look alike).
 * - `prompt`: what the model is given; leakage looks for the answer in it.
 * - `answer`: what the model is trained to produce.
 * - `other`: plain text (pretraining text, CSV values, user formats without prompt/answer).
 */
export type PartKind = 'system' | 'prompt' | 'answer' | 'other';

export interface TextPart {
  /** Label for field statistics: a role ("user"), a field ("instruction"), a column. */
  readonly field: string;
  readonly kind: PartKind;
  readonly text: string;
}

/** The text of a row the later checks read, in row order. */
export interface RowContent {
  readonly parts: readonly TextPart[];
  /** Roles or speakers, counted in the report's stats. */
  readonly roles?: readonly string[];
  /** Values of the format's unique keys, by key name (user formats). */
  readonly keys?: ReadonlyArray<readonly [string, string]>;
}

export interface RowChecker {
  /**
   * Checks one row: a parsed JSON value (jsonl), a line without its newline (text), or a CSV
   * record's fields (csv). Returns the row's text, or null when the row is unusable (its
   * issues were reported).
   */
  check(row: unknown, sink: IssueSink, line: number): RowContent | null;
  /** CSV only: the header record. */
  header?(fields: readonly string[], sink: IssueSink): void;
  /** Called after the last row of a file, for checks that decide late. */
  finish?(sink: IssueSink): void;
}

export interface FormatSpec {
  readonly name: string;
  readonly description: string;
  /** False for user-defined formats. */
  readonly builtin: boolean;
  /** How a file is read, from its name (a `.gz` suffix already removed). */
  container(fileName: string): Container;
  /** A checker with fresh per-file state. */
  createChecker(): RowChecker;
}

/** Keeps examples short in reports. */
export function preview(value: unknown, max = 60): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** "string", "number", "array", "null", "object", "boolean". */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** True for an empty or whitespace-only string. */
export function isBlank(text: string): boolean {
  return text.length === 0 || text.trim().length === 0;
}

/** Reports every key of `row` not in `known` as an unknown field (a likely typo). */
export function reportUnknownKeys(row: Record<string, unknown>, known: ReadonlySet<string>, sink: IssueSink, prefix = ''): void {
  for (const key in row) {
    if (!known.has(key)) sink.issue('unknown-field', `${prefix}${key}`, `unknown field ${JSON.stringify(key)}`);
  }
}

/**
 * Checks a required non-blank string field; reports `schema` (missing or not a string) or
 * `empty-content`. Returns the string, or null when unusable.
 */
export function requireText(row: Record<string, unknown>, key: string, sink: IssueSink, field = key): string | null {
  const value = row[key];
  if (value === undefined) {
    sink.issue('schema', field, `missing required field ${JSON.stringify(key)}`);
    return null;
  }
  if (typeof value !== 'string') {
    sink.issue('schema', field, `must be a string, got ${typeName(value)} ${preview(value, 30)}`);
    return null;
  }
  if (isBlank(value)) {
    sink.issue('empty-content', field, value.length === 0 ? 'empty string' : 'whitespace only');
    return null;
  }
  return value;
}
