/**
 * A small CSV/TSV reader for the job page's Artifacts section (no CSV library is installed):
 * RFC 4180 quoting (`"a,b"`, `""` for a quote, newlines inside quotes), `\n` or `\r\n` line
 * ends, a trailing newline ignored. It reads at most `maxRows` rows and counts the rest, so a
 * table of a million rows costs one pass and a few rows of memory.
 */

export interface ParsedTable {
  /** The first row. Empty for an empty file. */
  readonly header: readonly string[];
  /** Rows after the header, at most `maxRows`. */
  readonly rows: ReadonlyArray<readonly string[]>;
  /** Rows after the header in the whole file (more than `rows.length` when cut). */
  readonly total: number;
}

/** The separator a file name implies: tab for `.tsv`, else comma. */
export function separatorFor(name: string): ',' | '\t' {
  return /\.tsv$/i.test(name) ? '\t' : ',';
}

export function parseTable(text: string, separator: ',' | '\t' = ',', maxRows = 50): ParsedTable {
  const rows: string[][] = [];
  let header: string[] = [];
  let total = -1; // the header is row 0
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark

  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    total++;
    if (total === 0) header = row;
    else if (rows.length < maxRows) rows.push(row);
    row = [];
  };

  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === separator) endField();
    else if (ch === '\n') endRow();
    else if (ch === '\r' && text[i + 1] === '\n') {
      endRow();
      i++;
    } else field += ch;
  }
  if (field !== '' || row.length > 0 || quoted) endRow();
  return { header, rows, total: Math.max(0, total) };
}
