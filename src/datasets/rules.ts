/**
 * Every rule the validator can report: its default severity, the depth that introduces it and
 * what it means. A report names rules by these ids; docs/datasets.md lists them.
 */
import type { Severity, ValidationLevel } from '../core/datasets.ts';

export interface RuleInfo {
  readonly severity: Severity;
  readonly level: ValidationLevel;
  readonly description: string;
}

export const RULES = Object.freeze({
  // The file as bytes (checked at every depth).
  'unreadable': { severity: 'error', level: 'quick', description: 'the file could not be read' },
  'empty-file': { severity: 'error', level: 'quick', description: 'the file (or folder) holds no rows' },
  'binary-file': { severity: 'error', level: 'quick', description: 'the file holds NUL bytes: binary, not text' },
  'encoding': { severity: 'error', level: 'quick', description: 'not UTF-8 (a UTF-16 or UTF-32 byte-order mark)' },
  'invalid-utf8': { severity: 'error', level: 'quick', description: 'a line is not valid UTF-8' },
  'bom': { severity: 'warning', level: 'quick', description: 'a UTF-8 byte-order mark at the start (skipped)' },
  'crlf': { severity: 'warning', level: 'quick', description: 'CRLF line endings (read as LF)' },
  'mixed-line-endings': { severity: 'warning', level: 'quick', description: 'both CRLF and LF line endings' },
  'line-too-long': { severity: 'error', level: 'quick', description: 'a line longer than maxLineBytes (skipped, not parsed)' },
  'truncated-last-line': { severity: 'error', level: 'quick', description: 'the last line has no newline and does not parse: the file was cut off' },
  'gzip-corrupt': { severity: 'error', level: 'quick', description: 'the gzip stream is truncated or corrupt; rows after this point are lost' },
  'file-changed': { severity: 'error', level: 'quick', description: 'the file changed (size or mtime) while it was read' },
  'blank-line': { severity: 'warning', level: 'quick', description: 'an empty or whitespace-only line in JSONL (skipped)' },
  // One row against its format (a sample at quick, every row from standard on).
  'invalid-json': { severity: 'error', level: 'quick', description: 'a line is not valid JSON' },
  'not-an-object': { severity: 'error', level: 'quick', description: 'a JSONL row is not a JSON object' },
  'schema': { severity: 'error', level: 'quick', description: 'a field is missing or has the wrong type or value' },
  'unknown-field': { severity: 'warning', level: 'quick', description: 'a field the format does not define (a typo?)' },
  'role': { severity: 'error', level: 'quick', description: 'a message role or speaker the format does not allow' },
  'role-order': { severity: 'error', level: 'quick', description: 'messages in an order the format does not allow' },
  'no-assistant': { severity: 'error', level: 'quick', description: 'no assistant (or gpt) message to train on' },
  'empty-content': { severity: 'error', level: 'quick', description: 'an empty or whitespace-only text field' },
  'inconsistent-form': { severity: 'error', level: 'quick', description: 'rows of one file use different forms of the format' },
  'csv-header': { severity: 'error', level: 'quick', description: 'a missing, empty or repeated column name in the CSV header' },
  'csv-columns': { severity: 'error', level: 'quick', description: 'a CSV record with more or fewer fields than the header' },
  'csv-type': { severity: 'error', level: 'quick', description: "a CSV value that does not match its column's type" },
  'csv-quote': { severity: 'error', level: 'quick', description: 'an unterminated or misplaced quote in a CSV record' },
  // Every row, and across rows.
  'too-long': { severity: 'error', level: 'standard', description: 'a row longer than maxTokens (estimated tokens)' },
  'exact-duplicate': { severity: 'warning', level: 'standard', description: 'a row whose normalised text equals an earlier row' },
  'duplicate-key': { severity: 'error', level: 'standard', description: 'a value of a unique field seen in an earlier row' },
  // Deep.
  'near-duplicate': { severity: 'warning', level: 'deep', description: 'a row whose word shingles overlap an earlier row above the threshold (MinHash)' },
  'contamination': { severity: 'error', level: 'deep', description: 'a training row shares a word n-gram with a row of an eval set (or holds a short eval row whole)' },
  'answer-leakage': { severity: 'error', level: 'deep', description: "the answer already appears in the row's prompt" },
} satisfies Record<string, RuleInfo>);

export type RuleId = keyof typeof RULES;

export function ruleInfo(rule: RuleId): RuleInfo {
  return RULES[rule];
}
