/**
 * `chat`: OpenAI's fine-tuning JSONL. One object per line:
 * `{"messages": [{"role", "content", "name"?, "weight"?, "tool_calls"?, "tool_call_id"?}], "tools"?, "parallel_tool_calls"?}`.
 *
 * Rules: roles system/user/assistant/tool; system messages only at the start; a tool message
 * follows an assistant message with tool_calls (or another tool message); at least one
 * assistant message; content a non-blank string or an array of text/image parts (null only for
 * an assistant message with tool_calls); weight 0 or 1 on assistant messages only.
 */
import { type FormatSpec, type IssueSink, isBlank, isObject, preview, reportUnknownKeys, type RowContent, type TextPart, typeName } from './format.ts';

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);
const ROW_KEYS = new Set(['messages', 'tools', 'functions', 'parallel_tool_calls']);
const MESSAGE_KEYS = new Set(['role', 'content', 'name', 'weight', 'tool_calls', 'tool_call_id', 'function_call', 'refusal']);

export const chatFormat: FormatSpec = {
  name: 'chat',
  description: 'OpenAI fine-tuning JSONL: {"messages": [{"role": "system|user|assistant|tool", "content": "…"}]}',
  builtin: true,
  container: () => 'jsonl',
  createChecker: () => ({ check: checkChatRow }),
};

export function checkChatRow(row: unknown, sink: IssueSink): RowContent | null {
  if (!isObject(row)) return null;
  reportUnknownKeys(row, ROW_KEYS, sink);
  const messages = row.messages;
  if (messages === undefined) {
    sink.issue('schema', 'messages', 'missing required field "messages"');
    return null;
  }
  if (!Array.isArray(messages)) {
    sink.issue('schema', 'messages', `must be an array of messages, got ${typeName(messages)}`);
    return null;
  }
  if (messages.length === 0) {
    sink.issue('schema', 'messages', 'is empty');
    return null;
  }
  if (row.tools !== undefined && !Array.isArray(row.tools)) sink.issue('schema', 'tools', `must be an array, got ${typeName(row.tools)}`);

  const parts: TextPart[] = [];
  const roles: string[] = [];
  let seenNonSystem = false;
  let assistants = 0;
  /** Whether a tool message may come next: after an assistant with tool_calls, or a tool message. */
  let toolOpen = false;
  let ok = true;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    const at = `messages[${i}]`;
    if (!isObject(m)) {
      sink.issue('schema', at, `must be an object, got ${typeName(m)}`);
      ok = false;
      continue;
    }
    reportUnknownKeys(m, MESSAGE_KEYS, sink, `${at}.`);
    const role = m.role;
    if (typeof role !== 'string') {
      sink.issue('schema', `${at}.role`, role === undefined ? 'missing required field "role"' : `must be a string, got ${typeName(role)}`);
      ok = false;
      continue;
    }
    if (!ROLES.has(role)) {
      sink.issue('role', `${at}.role`, `role ${preview(role, 30)} is not one of system, user, assistant, tool`);
      ok = false;
      continue;
    }
    roles.push(role);
    if (role === 'system') {
      if (seenNonSystem) sink.issue('role-order', `${at}.role`, `system message at position ${i} after the conversation started`);
    } else {
      seenNonSystem = true;
    }
    if (role === 'tool' && !toolOpen) {
      sink.issue('role-order', `${at}.role`, 'tool message without a preceding assistant message with tool_calls');
    }
    const toolCalls = m.tool_calls;
    if (toolCalls !== undefined) {
      if (role !== 'assistant') sink.issue('schema', `${at}.tool_calls`, 'only assistant messages have tool_calls');
      else if (!Array.isArray(toolCalls) || toolCalls.length === 0) sink.issue('schema', `${at}.tool_calls`, 'must be a non-empty array');
      else checkToolCalls(toolCalls, `${at}.tool_calls`, sink);
    }
    if (role === 'tool' && typeof m.tool_call_id !== 'string') {
      sink.issue('schema', `${at}.tool_call_id`, m.tool_call_id === undefined ? 'a tool message needs "tool_call_id"' : 'must be a string');
    }
    if (m.name !== undefined && typeof m.name !== 'string') sink.issue('schema', `${at}.name`, `must be a string, got ${typeName(m.name)}`);
    if (m.weight !== undefined) {
      if (role !== 'assistant') sink.issue('schema', `${at}.weight`, 'only assistant messages have a weight');
      else if (m.weight !== 0 && m.weight !== 1) sink.issue('schema', `${at}.weight`, `must be 0 or 1, got ${preview(m.weight, 20)}`);
    }
    const hasCalls = role === 'assistant' && (Array.isArray(toolCalls) || isObject(m.function_call));
    toolOpen = (role === 'assistant' && Array.isArray(toolCalls) && toolCalls.length > 0) || (role === 'tool' && toolOpen);
    if (role === 'assistant') assistants++;

    const text = contentText(m.content, `${at}.content`, hasCalls, sink);
    if (text === null) {
      if (m.content !== null || !hasCalls) ok = false;
      continue;
    }
    const kind = role === 'system' ? 'system' : role === 'assistant' ? (m.weight === 0 ? 'other' : 'answer') : 'prompt';
    parts.push({ field: role, kind, text });
  }
  if (assistants === 0 && roles.length === messages.length) {
    sink.issue('no-assistant', 'messages', 'no assistant message: nothing to train on');
  }
  return ok || parts.length > 0 ? { parts, roles } : null;
}

/** The text of a message's content: a string, or the text parts of an array. null: reported. */
function contentText(content: unknown, field: string, mayBeNull: boolean, sink: IssueSink): string | null {
  if (typeof content === 'string') {
    if (isBlank(content)) {
      if (mayBeNull) return null;
      sink.issue('empty-content', field, content.length === 0 ? 'empty content' : 'whitespace-only content');
      return null;
    }
    return content;
  }
  if (content === null || content === undefined) {
    if (mayBeNull) return null;
    sink.issue('schema', field, content === null ? 'content is null (allowed only with tool_calls)' : 'missing required field "content"');
    return null;
  }
  if (!Array.isArray(content)) {
    sink.issue('schema', field, `must be a string or an array of content parts, got ${typeName(content)}`);
    return null;
  }
  let text = '';
  for (let j = 0; j < content.length; j++) {
    const part = content[j];
    const at = `${field}[${j}]`;
    if (!isObject(part)) {
      sink.issue('schema', at, `must be a content part object, got ${typeName(part)}`);
      return null;
    }
    if (part.type === 'text') {
      if (typeof part.text !== 'string') {
        sink.issue('schema', `${at}.text`, 'a text part needs a string "text"');
        return null;
      }
      text += (text ? '\n' : '') + part.text;
    } else if (part.type === 'image_url') {
      if (!isObject(part.image_url) || typeof part.image_url.url !== 'string') {
        sink.issue('schema', `${at}.image_url`, 'an image part needs {"url": "…"}');
        return null;
      }
    } else {
      sink.issue('schema', `${at}.type`, `content part type ${preview(part.type, 30)} is not "text" or "image_url"`);
      return null;
    }
  }
  if (isBlank(text) && !content.some((p) => isObject(p) && p.type === 'image_url')) {
    sink.issue('empty-content', field, 'no text in the content parts');
    return null;
  }
  return text;
}

function checkToolCalls(calls: readonly unknown[], field: string, sink: IssueSink): void {
  for (let k = 0; k < calls.length; k++) {
    const call = calls[k];
    const at = `${field}[${k}]`;
    if (!isObject(call) || !isObject(call.function) || typeof call.function.name !== 'string') {
      sink.issue('schema', at, 'a tool call needs {"id", "type": "function", "function": {"name", "arguments"}}');
      return;
    }
    if (typeof call.function.arguments !== 'string') {
      sink.issue('schema', `${at}.function.arguments`, 'must be a string (JSON text)');
    }
  }
}
