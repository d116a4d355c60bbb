/**
 * Assembles CSV records (RFC 4180) from lines: quoted fields with `""` escapes and newlines
 * inside quotes. A quote left open for more than `MAX_RECORD_LINES` lines (or at the end of the
 * file) is reported and the record dropped, so one stray quote cannot swallow the whole file.
 * Pure: lines in, records out.
 */

/** Lines one record may span. Default: 10,000. */
export const MAX_RECORD_LINES = 10_000;

export interface CsvRecord {
  readonly fields: string[];
  /** The record's first line. */
  readonly line: number;
  /** A quoting problem: the record is unusable. */
  readonly error: string | null;
}

export interface CsvRecordParser {
  /** Feeds one line (without its newline); returns the record it completes, if any. */
  push(text: string, line: number): CsvRecord | null;
  /** The record left open at the end of the input, if any. */
  end(): CsvRecord | null;
}

export function createCsvRecordParser(delimiter = ','): CsvRecordParser {
  const delim = delimiter.charCodeAt(0);
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let startLine = 0;
  let spanned = 0;
  let error: string | null = null;

  function reset(): void {
    fields = [];
    field = '';
    inQuotes = false;
    spanned = 0;
    error = null;
  }

  return {
    push(text, line) {
      if (!inQuotes) {
        startLine = line;
        // Fast path: no quotes at all.
        if (text.indexOf('"') === -1) {
          const record = { fields: text.split(delimiter), line, error: null };
          reset();
          return record;
        }
      } else {
        field += '\n';
        if (++spanned > MAX_RECORD_LINES) {
          const record = { fields: [], line: startLine, error: `quoted field opened on line ${startLine} not closed within ${MAX_RECORD_LINES} lines` };
          reset();
          return record;
        }
      }
      let i = 0;
      const n = text.length;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (inQuotes) {
          if (c === 0x22) {
            if (text.charCodeAt(i + 1) === 0x22) {
              field += '"';
              i += 2;
              continue;
            }
            inQuotes = false;
            i++;
            if (i < n && text.charCodeAt(i) !== delim && error === null) {
              error = `characters after the closing quote of field ${fields.length + 1}`;
            }
            continue;
          }
          const next = text.indexOf('"', i);
          const stop = next === -1 ? n : next;
          field += text.slice(i, stop);
          i = stop;
          continue;
        }
        if (c === delim) {
          fields.push(field);
          field = '';
          i++;
          continue;
        }
        if (c === 0x22 && field.length === 0) {
          inQuotes = true;
          i++;
          continue;
        }
        field += text[i];
        i++;
      }
      if (inQuotes) return null;
      fields.push(field);
      const record = { fields, line: startLine, error };
      reset();
      return record;
    },

    end() {
      if (!inQuotes) return null;
      const record = { fields: [], line: startLine, error: `quoted field opened on line ${startLine} never closed` };
      reset();
      return record;
    },
  };
}
