/**
 * `sharegpt`: `{"conversations": [{"from": "system|human|gpt", "value": "…"}…], "system"?, "id"?}`.
 * Rules: a system turn only first; then human and gpt alternate, starting with human; at least
 * one gpt turn; every value a non-blank string.
 */
import { type FormatSpec, type IssueSink, isBlank, isObject, preview, reportUnknownKeys, type RowContent, type TextPart, typeName } from './format.ts';

const ROW_KEYS = new Set(['conversations', 'system', 'id', 'tools']);
const TURN_KEYS = new Set(['from', 'value', 'weight']);
const SPEAKERS = new Set(['system', 'human', 'gpt']);

export const sharegptFormat: FormatSpec = {
  name: 'sharegpt',
  description: 'JSONL {"conversations": [{"from": "human|gpt|system", "value": "…"}]}; human and gpt alternate',
  builtin: true,
  container: () => 'jsonl',
  createChecker: () => ({ check: checkSharegptRow }),
};

export function checkSharegptRow(row: unknown, sink: IssueSink): RowContent | null {
  if (!isObject(row)) return null;
  reportUnknownKeys(row, ROW_KEYS, sink);
  const turns = row.conversations;
  if (!Array.isArray(turns)) {
    sink.issue('schema', 'conversations', turns === undefined ? 'missing required field "conversations"' : `must be an array, got ${typeName(turns)}`);
    return null;
  }
  if (turns.length === 0) {
    sink.issue('schema', 'conversations', 'is empty');
    return null;
  }
  const parts: TextPart[] = [];
  const roles: string[] = [];
  if (row.system !== undefined) {
    if (typeof row.system !== 'string') sink.issue('schema', 'system', `must be a string, got ${typeName(row.system)}`);
    else if (!isBlank(row.system)) parts.push({ field: 'system', kind: 'system', text: row.system });
  }
  let expect: 'human' | 'gpt' = 'human';
  let gpt = 0;
  let orderReported = false;
  let ok = true;
  for (let i = 0; i < turns.length; i++) {
    const t = turns[i];
    const at = `conversations[${i}]`;
    if (!isObject(t)) {
      sink.issue('schema', at, `must be an object, got ${typeName(t)}`);
      ok = false;
      continue;
    }
    reportUnknownKeys(t, TURN_KEYS, sink, `${at}.`);
    const from = t.from;
    if (typeof from !== 'string') {
      sink.issue('schema', `${at}.from`, from === undefined ? 'missing required field "from"' : `must be a string, got ${typeName(from)}`);
      ok = false;
      continue;
    }
    if (!SPEAKERS.has(from)) {
      sink.issue('role', `${at}.from`, `speaker ${preview(from, 30)} is not one of system, human, gpt`);
      ok = false;
      orderReported = true;
      continue;
    }
    roles.push(from);
    if (from === 'system') {
      if (i !== 0 && !orderReported) {
        sink.issue('role-order', `${at}.from`, `system turn at position ${i}: only the first turn may be system`);
        orderReported = true;
      }
    } else {
      if (from !== expect && !orderReported) {
        sink.issue('role-order', `${at}.from`, `expected ${expect} at position ${i}, got ${from}: human and gpt alternate, starting with human`);
        orderReported = true;
      }
      expect = from === 'human' ? 'gpt' : 'human';
      if (from === 'gpt') gpt++;
    }
    const value = t.value;
    if (typeof value !== 'string') {
      sink.issue('schema', `${at}.value`, value === undefined ? 'missing required field "value"' : `must be a string, got ${typeName(value)}`);
      ok = false;
      continue;
    }
    if (isBlank(value)) {
      sink.issue('empty-content', `${at}.value`, value.length === 0 ? 'empty value' : 'whitespace-only value');
      ok = false;
      continue;
    }
    parts.push({ field: from, kind: from === 'system' ? 'system' : from === 'gpt' ? 'answer' : 'prompt', text: value });
  }
  if (gpt === 0 && roles.length === turns.length) sink.issue('no-assistant', 'conversations', 'no gpt turn: nothing to train on');
  return ok || parts.length > 0 ? { parts, roles } : null;
}
