/**
 * `prompt-completion`, in one of two forms, the same in every row of a file:
 * - string form: `{"prompt": "…", "completion": "…"}`;
 * - message form (TRL's conversational prompt-completion):
 *   `{"prompt": [{"role": "system|user|assistant", "content"}…], "completion": [{"role": "assistant", "content"}…]}`.
 */
import { type FormatSpec, type IssueSink, isBlank, isObject, preview, reportUnknownKeys, type RowContent, type TextPart, typeName } from './format.ts';

const ROW_KEYS = new Set(['prompt', 'completion']);
const MESSAGE_KEYS = new Set(['role', 'content', 'name']);
const PROMPT_ROLES = new Set(['system', 'user', 'assistant']);

type Form = 'string' | 'messages';

export const promptCompletionFormat: FormatSpec = {
  name: 'prompt-completion',
  description: 'JSONL {"prompt": "…", "completion": "…"}, or both as message lists (one form per file)',
  builtin: true,
  container: () => 'jsonl',
  createChecker() {
    let form: { form: Form; line: number } | null = null;
    return {
      check(row, sink, line) {
        if (!isObject(row)) return null;
        reportUnknownKeys(row, ROW_KEYS, sink);
        const rowForm = formOf(row, sink);
        if (rowForm === null) return null;
        if (form === null) form = { form: rowForm, line };
        else if (form.form !== rowForm) {
          sink.issue('inconsistent-form', 'prompt', `${rowForm} form, but line ${form.line} began the file in ${form.form} form`);
        }
        return rowForm === 'string' ? checkStringForm(row, sink) : checkMessageForm(row, sink);
      },
    };
  },
};

function formOf(row: Record<string, unknown>, sink: IssueSink): Form | null {
  for (const key of ['prompt', 'completion']) {
    if (row[key] === undefined) {
      sink.issue('schema', key, `missing required field "${key}"`);
      return null;
    }
  }
  const p = typeof row.prompt === 'string' ? 'string' : Array.isArray(row.prompt) ? 'messages' : null;
  const c = typeof row.completion === 'string' ? 'string' : Array.isArray(row.completion) ? 'messages' : null;
  if (p === null || c === null || p !== c) {
    const bad = p === null ? 'prompt' : 'completion';
    sink.issue('schema', bad, p !== null && c !== null
      ? `prompt is ${p === 'string' ? 'a string' : 'a message list'} but completion is ${c === 'string' ? 'a string' : 'a message list'}: use one form`
      : `must be a string or a list of messages, got ${typeName(row[bad])}`);
    return null;
  }
  return p;
}

function checkStringForm(row: Record<string, unknown>, sink: IssueSink): RowContent | null {
  const prompt = row.prompt as string;
  const completion = row.completion as string;
  let ok = true;
  if (isBlank(prompt)) {
    sink.issue('empty-content', 'prompt', prompt.length === 0 ? 'empty prompt' : 'whitespace-only prompt');
    ok = false;
  }
  if (isBlank(completion)) {
    sink.issue('empty-content', 'completion', completion.length === 0 ? 'empty completion' : 'whitespace-only completion');
    ok = false;
  }
  if (!ok) return null;
  return { parts: [{ field: 'prompt', kind: 'prompt', text: prompt }, { field: 'completion', kind: 'answer', text: completion }] };
}

function checkMessageForm(row: Record<string, unknown>, sink: IssueSink): RowContent | null {
  const parts: TextPart[] = [];
  const roles: string[] = [];
  const prompt = row.prompt as unknown[];
  const completion = row.completion as unknown[];
  if (prompt.length === 0) sink.issue('schema', 'prompt', 'is empty');
  if (completion.length === 0) sink.issue('schema', 'completion', 'is empty');
  let ok = prompt.length > 0 && completion.length > 0;
  for (const [list, key] of [[prompt, 'prompt'], [completion, 'completion']] as const) {
    let seenNonSystem = false;
    for (let i = 0; i < list.length; i++) {
      const m = list[i];
      const at = `${key}[${i}]`;
      if (!isObject(m)) {
        sink.issue('schema', at, `must be a message object, got ${typeName(m)}`);
        ok = false;
        continue;
      }
      reportUnknownKeys(m, MESSAGE_KEYS, sink, `${at}.`);
      if (typeof m.role !== 'string') {
        sink.issue('schema', `${at}.role`, m.role === undefined ? 'missing required field "role"' : `must be a string, got ${typeName(m.role)}`);
        ok = false;
        continue;
      }
      const allowed = key === 'prompt' ? PROMPT_ROLES.has(m.role) : m.role === 'assistant';
      if (!allowed) {
        sink.issue('role', `${at}.role`, key === 'prompt'
          ? `role ${preview(m.role, 30)} is not one of system, user, assistant`
          : `completion messages are assistant messages, got ${preview(m.role, 30)}`);
        ok = false;
        continue;
      }
      roles.push(m.role);
      if (m.role === 'system' && seenNonSystem) sink.issue('role-order', `${at}.role`, `system message at position ${i} after the conversation started`);
      if (m.role !== 'system') seenNonSystem = true;
      if (typeof m.content !== 'string') {
        sink.issue('schema', `${at}.content`, m.content === undefined ? 'missing required field "content"' : `must be a string, got ${typeName(m.content)}`);
        ok = false;
        continue;
      }
      if (isBlank(m.content)) {
        sink.issue('empty-content', `${at}.content`, m.content.length === 0 ? 'empty content' : 'whitespace-only content');
        ok = false;
        continue;
      }
      const kind = key === 'completion' ? 'answer' : m.role === 'system' ? 'system' : m.role === 'assistant' ? 'other' : 'prompt';
      parts.push({ field: key === 'completion' ? 'completion' : m.role, kind, text: m.content });
    }
  }
  return ok || parts.length > 0 ? { parts, roles } : null;
}
