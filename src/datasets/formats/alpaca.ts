/**
 * `alpaca`: `{"instruction": "…", "input"?: "…", "output": "…", "history"?: [["q", "a"]…], "system"?: "…"}`.
 * instruction and output are non-blank strings; input may be empty; history is a list of
 * [prompt, answer] string pairs.
 */
import { type FormatSpec, type IssueSink, isBlank, isObject, reportUnknownKeys, requireText, type RowContent, type TextPart, typeName } from './format.ts';

const ROW_KEYS = new Set(['instruction', 'input', 'output', 'history', 'system']);

export const alpacaFormat: FormatSpec = {
  name: 'alpaca',
  description: 'JSONL {"instruction": "…", "input": "…"?, "output": "…", "history": [["q","a"]]?}',
  builtin: true,
  container: () => 'jsonl',
  createChecker: () => ({ check: checkAlpacaRow }),
};

export function checkAlpacaRow(row: unknown, sink: IssueSink): RowContent | null {
  if (!isObject(row)) return null;
  reportUnknownKeys(row, ROW_KEYS, sink);
  const parts: TextPart[] = [];
  let ok = true;
  if (row.system !== undefined) {
    if (typeof row.system !== 'string') {
      sink.issue('schema', 'system', `must be a string, got ${typeName(row.system)}`);
      ok = false;
    } else if (!isBlank(row.system)) parts.push({ field: 'system', kind: 'system', text: row.system });
  }
  if (row.history !== undefined) {
    if (!Array.isArray(row.history)) {
      sink.issue('schema', 'history', `must be an array of [prompt, answer] pairs, got ${typeName(row.history)}`);
      ok = false;
    } else {
      for (let i = 0; i < row.history.length; i++) {
        const pair = row.history[i];
        if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
          sink.issue('schema', `history[${i}]`, 'must be a [prompt, answer] pair of strings');
          ok = false;
          continue;
        }
        if (isBlank(pair[0]) || isBlank(pair[1])) {
          sink.issue('empty-content', `history[${i}]`, 'an empty or whitespace-only turn');
          ok = false;
          continue;
        }
        parts.push({ field: 'history', kind: 'prompt', text: pair[0] }, { field: 'history', kind: 'other', text: pair[1] });
      }
    }
  }
  const instruction = requireText(row, 'instruction', sink);
  if (instruction !== null) parts.push({ field: 'instruction', kind: 'prompt', text: instruction });
  if (row.input !== undefined) {
    if (typeof row.input !== 'string') {
      sink.issue('schema', 'input', `must be a string, got ${typeName(row.input)}`);
      ok = false;
    } else if (!isBlank(row.input)) parts.push({ field: 'input', kind: 'prompt', text: row.input });
  }
  const output = requireText(row, 'output', sink);
  if (output !== null) parts.push({ field: 'output', kind: 'answer', text: output });
  if (instruction === null || output === null) ok = false;
  return ok || parts.length > 0 ? { parts } : null;
}
