/**
 * `csv`: a header record, then records of as many fields (RFC 4180 quoting; `.tsv` files are
 * tab-separated). Column types (integer, number, boolean, string) are inferred from the first
 * `INFER_RECORDS` records: a column is typed when at least `INFER_SHARE` of its non-empty values
 * fit; values that do not fit are reported (`csv-type`), in those records and every later one.
 * Empty values are allowed in any column (counted as empty in the stats).
 *
 * Columns named like a prompt (`prompt`, `question`, `instruction`, `input`) and like an answer
 * (`completion`, `answer`, `output`, `response`) feed the leakage check.
 */
import { type FormatSpec, type IssueSink, type PartKind, preview, type RowChecker, type RowContent, type TextPart } from './format.ts';

/** Records the column types are inferred from. Default: 200. */
export const INFER_RECORDS = 200;
/** Share of a column's non-empty values that must fit a type for the column to take it. */
export const INFER_SHARE = 0.9;

export type ColumnType = 'integer' | 'number' | 'boolean' | 'string';

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BOOLEAN = /^(true|false)$/i;
const PROMPT_COLUMN = /^(prompt|question|instruction|input|query)$/i;
const ANSWER_COLUMN = /^(completion|answer|output|response|target)$/i;

export function fitsType(value: string, type: ColumnType): boolean {
  switch (type) {
    case 'integer':
      return INTEGER.test(value);
    case 'number':
      return NUMBER.test(value);
    case 'boolean':
      return BOOLEAN.test(value);
    case 'string':
      return true;
  }
}

/** The narrowest type that at least `share` of the non-empty values fit; string when none. */
export function inferType(values: readonly string[], share = INFER_SHARE): ColumnType {
  const filled = values.filter((v) => v !== '');
  if (filled.length === 0) return 'string';
  for (const type of ['integer', 'number', 'boolean'] as const) {
    const fit = filled.reduce((n, v) => n + (fitsType(v, type) ? 1 : 0), 0);
    if (fit >= share * filled.length) return type;
  }
  return 'string';
}

export const csvFormat: FormatSpec = {
  name: 'csv',
  description: 'CSV with a header record (.tsv: tab-separated); column types inferred and then checked',
  builtin: true,
  container: () => 'csv',
  createChecker: createCsvChecker,
};

export function createCsvChecker(): RowChecker {
  let names: string[] = [];
  let kinds: PartKind[] = [];
  let types: ColumnType[] | null = null;
  const pending: Array<{ line: number; fields: readonly string[] }> = [];

  function checkTypes(fields: readonly string[], report: (column: number, message: string) => void): void {
    if (types === null) return;
    for (let c = 0; c < Math.min(fields.length, types.length); c++) {
      const v = fields[c];
      if (v !== '' && !fitsType(v, types[c])) report(c, `${preview(v, 30)} is not ${types[c] === 'integer' ? 'an' : 'a'} ${types[c]}`);
    }
  }

  function infer(sink: IssueSink): void {
    types = names.map((_, c) => inferType(pending.map((p) => p.fields[c] ?? '')));
    for (const p of pending) checkTypes(p.fields, (c, message) => sink.issueAt(p.line, 'csv-type', names[c], message));
    pending.length = 0;
  }

  return {
    header(fields, sink) {
      names = fields.map((f) => f.trim());
      const seen = new Set<string>();
      names.forEach((name, c) => {
        if (name === '') sink.issue('csv-header', `column ${c + 1}`, 'empty column name');
        else if (seen.has(name)) sink.issue('csv-header', name, `column name ${JSON.stringify(name)} repeated`);
        seen.add(name);
      });
      kinds = names.map((n) => (PROMPT_COLUMN.test(n) ? 'prompt' : ANSWER_COLUMN.test(n) ? 'answer' : 'other'));
    },

    check(row, sink, line): RowContent | null {
      const fields = row as readonly string[];
      if (fields.length !== names.length) {
        sink.issue('csv-columns', null, `${fields.length} field${fields.length === 1 ? '' : 's'}, the header has ${names.length}`);
      }
      if (types === null) {
        pending.push({ line, fields });
        if (pending.length >= INFER_RECORDS) infer(sink);
      } else {
        checkTypes(fields, (c, message) => sink.issue('csv-type', names[c], message));
      }
      const parts: TextPart[] = [];
      for (let c = 0; c < fields.length; c++) parts.push({ field: names[c] ?? `column ${c + 1}`, kind: kinds[c] ?? 'other', text: fields[c] });
      return { parts };
    },

    finish(sink) {
      if (types === null) infer(sink);
    },
  };
}

