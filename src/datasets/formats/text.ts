/**
 * `text`: pretraining text. `.txt` and `.md` files (optionally `.gz`) are plain text, one row
 * per non-blank line; any other file is JSONL with a non-blank string field `text` (other fields,
 * such as ids and metadata, are allowed).
 */
import { type FormatSpec, isBlank, isObject, requireText, type RowContent } from './format.ts';

const PLAIN = /\.(txt|text|md)$/i;

export const textFormat: FormatSpec = {
  name: 'text',
  description: 'plain text (.txt/.md: one row per non-blank line) or JSONL {"text": "…"}',
  builtin: true,
  container: (fileName) => (PLAIN.test(fileName) ? 'text' : 'jsonl'),
  createChecker: () => ({
    check(row, sink): RowContent | null {
      if (typeof row === 'string') {
        return isBlank(row) ? null : { parts: [{ field: 'text', kind: 'other', text: row }] };
      }
      if (!isObject(row)) return null;
      const text = requireText(row, 'text', sink);
      return text === null ? null : { parts: [{ field: 'text', kind: 'other', text }] };
    },
  }),
};
