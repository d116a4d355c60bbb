/**
 * Each format's valid and invalid rows, one fixture per rule: the table says which rule fires on
 * which field (or that none does). Pure: rows in, issues out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuleId } from '../rules.ts';
import type { FormatSpec, IssueSink, RowContent } from './format.ts';
import { BUILTIN_FORMATS, resolveFormat, UnknownFormatError } from './registry.ts';
import { createUserFormat, parseFormatDefinition } from './user-format.ts';
import { ValidationError } from '../../core/errors.ts';

interface Found {
  rule: RuleId;
  field: string | null;
  line?: number;
}

function collect(): { sink: IssueSink; found: Found[] } {
  const found: Found[] = [];
  return {
    found,
    sink: {
      issue: (rule, field) => found.push({ rule, field }),
      issueAt: (line, rule, field) => found.push({ rule, field, line }),
    },
  };
}

/** Checks rows in order with one checker; returns the issues of the last row and its content. */
function check(format: FormatSpec, rows: unknown[]): { found: Found[]; content: RowContent | null } {
  const checker = format.createChecker();
  let last: { found: Found[]; content: RowContent | null } = { found: [], content: null };
  rows.forEach((row, i) => {
    const { sink, found } = collect();
    const content = checker.check(row, sink, i + 1);
    last = { found, content };
  });
  return last;
}

const m = (role: string, content: unknown, extra: Record<string, unknown> = {}) => ({ role, content, ...extra });

/** [format, case, row, expected issues as `rule field` strings]. */
const CASES: Array<[string, string, unknown, string[]]> = [
  // chat
  ['chat', 'a valid conversation', { messages: [m('system', 'Be brief.'), m('user', 'Hi?'), m('assistant', 'Hello.')] }, []],
  ['chat', 'tool calls and a tool answer', { messages: [m('user', 'Weather?'), m('assistant', null, { tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' } }] }), m('tool', 'sunny', { tool_call_id: 'c1' }), m('assistant', 'Sunny.')] }, []],
  ['chat', 'content parts', { messages: [m('user', [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'http://x/y.png' } }]), m('assistant', 'A cat.')] }, []],
  ['chat', 'weight 0 on an assistant message', { messages: [m('user', 'a'), m('assistant', 'b', { weight: 0 }), m('user', 'c'), m('assistant', 'd')] }, []],
  ['chat', 'messages missing', { conversations: [] }, ['unknown-field conversations', 'schema messages']],
  ['chat', 'messages not an array', { messages: 'hi' }, ['schema messages']],
  ['chat', 'messages empty', { messages: [] }, ['schema messages']],
  ['chat', 'a message that is not an object', { messages: ['hi', m('assistant', 'x')] }, ['schema messages[0]']],
  ['chat', 'role missing', { messages: [{ content: 'x' }, m('assistant', 'y')] }, ['schema messages[0].role']],
  ['chat', 'an unknown role', { messages: [m('human', 'x'), m('assistant', 'y')] }, ['role messages[0].role']],
  ['chat', 'system after the conversation started', { messages: [m('user', 'x'), m('system', 'late'), m('assistant', 'y')] }, ['role-order messages[1].role']],
  ['chat', 'a tool message without tool_calls before it', { messages: [m('user', 'x'), m('tool', 'r', { tool_call_id: 'a' }), m('assistant', 'y')] }, ['role-order messages[1].role']],
  ['chat', 'no assistant message', { messages: [m('system', 's'), m('user', 'x')] }, ['no-assistant messages']],
  ['chat', 'empty content', { messages: [m('user', ''), m('assistant', 'y')] }, ['empty-content messages[0].content']],
  ['chat', 'whitespace-only content', { messages: [m('user', 'x'), m('assistant', ' \n\t ')] }, ['empty-content messages[1].content']],
  ['chat', 'null content without tool_calls', { messages: [m('user', 'x'), m('assistant', null)] }, ['schema messages[1].content']],
  ['chat', 'content of the wrong type', { messages: [m('user', 42), m('assistant', 'y')] }, ['schema messages[0].content']],
  ['chat', 'a weight of 2', { messages: [m('user', 'x'), m('assistant', 'y', { weight: 2 })] }, ['schema messages[1].weight']],
  ['chat', 'a weight on a user message', { messages: [m('user', 'x', { weight: 1 }), m('assistant', 'y')] }, ['schema messages[0].weight']],
  ['chat', 'a misspelt message field', { messages: [m('user', 'x', { contnet: 'y' }), m('assistant', 'y')] }, ['unknown-field messages[0].contnet']],
  ['chat', 'a tool message without tool_call_id', { messages: [m('user', 'x'), m('assistant', null, { tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }), m('tool', 'r'), m('assistant', 'y')] }, ['schema messages[2].tool_call_id']],
  ['chat', 'tool call arguments that are not a string', { messages: [m('user', 'x'), m('assistant', null, { tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: {} } }] }), m('tool', 'r', { tool_call_id: 'c' }), m('assistant', 'y')] }, ['schema messages[1].tool_calls[0].function.arguments']],
  ['chat', 'an unknown content part type', { messages: [m('user', [{ type: 'audio', data: 'x' }]), m('assistant', 'y')] }, ['schema messages[0].content[0].type']],
  // prompt-completion
  ['prompt-completion', 'string form', { prompt: 'Q: 2+2?', completion: '4' }, []],
  ['prompt-completion', 'message form', { prompt: [m('system', 's'), m('user', 'Q')], completion: [m('assistant', 'A')] }, []],
  ['prompt-completion', 'completion missing', { prompt: 'Q' }, ['schema completion']],
  ['prompt-completion', 'mixed forms in a row', { prompt: 'Q', completion: [m('assistant', 'A')] }, ['schema completion']],
  ['prompt-completion', 'a prompt that is a number', { prompt: 3, completion: 'A' }, ['schema prompt']],
  ['prompt-completion', 'an empty completion', { prompt: 'Q', completion: '  ' }, ['empty-content completion']],
  ['prompt-completion', 'a completion message from the user', { prompt: [m('user', 'Q')], completion: [m('user', 'A')] }, ['role completion[0].role']],
  ['prompt-completion', 'an unknown prompt role', { prompt: [m('bot', 'Q')], completion: [m('assistant', 'A')] }, ['role prompt[0].role']],
  ['prompt-completion', 'an empty message list', { prompt: [], completion: [m('assistant', 'A')] }, ['schema prompt']],
  ['prompt-completion', 'an extra field', { prompt: 'Q', completion: 'A', label: 1 }, ['unknown-field label']],
  // sharegpt
  ['sharegpt', 'a valid conversation', { conversations: [{ from: 'system', value: 's' }, { from: 'human', value: 'q' }, { from: 'gpt', value: 'a' }, { from: 'human', value: 'q2' }, { from: 'gpt', value: 'a2' }] }, []],
  ['sharegpt', 'conversations missing', { messages: [] }, ['unknown-field messages', 'schema conversations']],
  ['sharegpt', 'an unknown speaker', { conversations: [{ from: 'user', value: 'q' }, { from: 'gpt', value: 'a' }] }, ['role conversations[0].from']],
  ['sharegpt', 'gpt first', { conversations: [{ from: 'gpt', value: 'a' }, { from: 'human', value: 'q' }] }, ['role-order conversations[0].from']],
  ['sharegpt', 'two human turns in a row', { conversations: [{ from: 'human', value: 'q' }, { from: 'human', value: 'q2' }, { from: 'gpt', value: 'a' }] }, ['role-order conversations[1].from']],
  ['sharegpt', 'system not first', { conversations: [{ from: 'human', value: 'q' }, { from: 'system', value: 's' }, { from: 'gpt', value: 'a' }] }, ['role-order conversations[1].from']],
  ['sharegpt', 'no gpt turn', { conversations: [{ from: 'human', value: 'q' }] }, ['no-assistant conversations']],
  ['sharegpt', 'an empty value', { conversations: [{ from: 'human', value: '' }, { from: 'gpt', value: 'a' }] }, ['empty-content conversations[0].value']],
  ['sharegpt', 'value missing', { conversations: [{ from: 'human' }, { from: 'gpt', value: 'a' }] }, ['schema conversations[0].value']],
  // alpaca
  ['alpaca', 'a valid row', { instruction: 'Add.', input: '2 and 2', output: '4' }, []],
  ['alpaca', 'an empty input and a history', { instruction: 'Add.', input: '', output: '4', history: [['hi', 'hello']] }, []],
  ['alpaca', 'instruction missing', { input: 'x', output: 'y' }, ['schema instruction']],
  ['alpaca', 'an empty output', { instruction: 'Say.', output: '' }, ['empty-content output']],
  ['alpaca', 'an input that is not a string', { instruction: 'x', input: ['a'], output: 'y' }, ['schema input']],
  ['alpaca', 'a history entry that is not a pair', { instruction: 'x', output: 'y', history: [['only one']] }, ['schema history[0]']],
  ['alpaca', 'an unknown field', { instruction: 'x', output: 'y', outptu: 'z' }, ['unknown-field outptu']],
  // text (JSONL form; plain lines are strings)
  ['text', 'a text row with metadata', { text: 'Some prose.', id: 7, source: 'web' }, []],
  ['text', 'a plain text line', 'Some prose on a line.', []],
  ['text', 'text missing', { body: 'x' }, ['schema text']],
  ['text', 'empty text', { text: ' ' }, ['empty-content text']],
];

describe('formats', () => {
  for (const [formatName, name, row, expected] of CASES) {
    it(`${formatName}: ${name} → ${expected.length === 0 ? 'no issue' : expected.join(', ')}`, () => {
      const { found } = check(resolveFormat(formatName), [row]);
      assert.deepEqual(found.map((f) => `${f.rule} ${f.field}`), expected);
    });
  }

  it('every rule a format may report has a fixture above', () => {
    const covered = new Set(CASES.flatMap(([, , , e]) => e.map((x) => x.split(' ')[0])));
    for (const rule of ['schema', 'unknown-field', 'role', 'role-order', 'no-assistant', 'empty-content']) assert.ok(covered.has(rule), rule);
  });

  it('refuses an unknown format (deny by default)', () => {
    assert.throws(() => resolveFormat('openai'), (e: unknown) => e instanceof UnknownFormatError && e.field === 'format' && e.code === 'unknown_format');
    assert.deepEqual([...BUILTIN_FORMATS.keys()], ['chat', 'prompt-completion', 'sharegpt', 'alpaca', 'text', 'csv']);
  });

  it('tells parts apart: system, prompt and answer', () => {
    const { content } = check(resolveFormat('chat'), [{ messages: [m('system', 'S'), m('user', 'U'), m('assistant', 'A')] }]);
    assert.deepEqual(content?.parts.map((p) => `${p.field}:${p.kind}`), ['system:system', 'user:prompt', 'assistant:answer']);
    assert.deepEqual(content?.roles, ['system', 'user', 'assistant']);
  });

  it('prompt-completion keeps to the form of the first row of a file', () => {
    const { found } = check(resolveFormat('prompt-completion'), [{ prompt: 'Q', completion: 'A' }, { prompt: [m('user', 'Q')], completion: [m('assistant', 'A')] }]);
    assert.deepEqual(found.map((f) => `${f.rule} ${f.field}`), ['inconsistent-form prompt']);
  });

  it('text reads .txt and .md as plain lines, anything else as JSONL', () => {
    const text = resolveFormat('text');
    assert.equal(text.container('a.txt'), 'text');
    assert.equal(text.container('notes.md'), 'text');
    assert.equal(text.container('a.jsonl'), 'jsonl');
  });
});

describe('csv format', () => {
  const csv = resolveFormat('csv');

  function run(header: string[], records: string[][]): Found[] {
    const checker = csv.createChecker();
    const { sink, found } = collect();
    checker.header?.(header, sink);
    records.forEach((r, i) => checker.check(r, sink, i + 2));
    checker.finish?.(sink);
    return found;
  }

  it('accepts consistent typed columns', () => {
    assert.deepEqual(run(['id', 'score', 'ok', 'text'], [['1', '0.5', 'true', 'a'], ['2', '1e3', 'false', 'b'], ['3', '', 'TRUE', 'c']]), []);
  });

  it('reports an empty or repeated column name', () => {
    assert.deepEqual(run(['id', '', 'id'], []).map((f) => `${f.rule} ${f.field}`), ['csv-header column 2', 'csv-header id']);
  });

  it('reports a record with the wrong number of fields', () => {
    assert.deepEqual(run(['a', 'b'], [['1', '2'], ['1']]).map((f) => f.rule), ['csv-columns']);
  });

  it('infers column types and reports values that do not fit, on their lines', () => {
    const records = Array.from({ length: 30 }, (_, i) => [String(i), `name ${i}`]);
    records[12][0] = 'twelve';
    const found = run(['minutes', 'name'], records);
    assert.deepEqual(found, [{ rule: 'csv-type', field: 'minutes', line: 14 }]);
  });

  it('checks records after the inference window as they come', () => {
    const records = Array.from({ length: 250 }, (_, i) => [String(i)]);
    records[240][0] = '1.5';
    assert.deepEqual(run(['n'], records).map((f) => `${f.rule} ${f.field}`), ['csv-type n']);
  });
});

describe('user formats (JSON Schema)', () => {
  const definition = parseFormatDefinition({
    name: 'schedule-v1',
    schema: {
      type: 'object',
      required: ['order_id', 'hours', 'prompt', 'answer'],
      additionalProperties: false,
      properties: {
        order_id: { type: 'string', pattern: '^WO-[0-9]+$' },
        hours: { type: 'number', minimum: 0, maximum: 500 },
        prompt: { type: 'string' },
        answer: { type: 'string' },
      },
    },
    promptField: 'prompt',
    answerField: 'answer',
    unique: ['order_id'],
  });
  const format = createUserFormat(definition);

  it('accepts a row the schema accepts and returns its text and keys', () => {
    const { found, content } = check(format, [{ order_id: 'WO-1', hours: 3, prompt: 'Plan WO-1', answer: 'M4 at 9:00' }]);
    assert.deepEqual(found, []);
    assert.deepEqual(content?.parts.map((p) => `${p.field}:${p.kind}`), ['order_id:other', 'prompt:prompt', 'answer:answer']);
    assert.deepEqual(content?.keys, [['order_id', '"WO-1"']]);
  });

  it('reports each schema error with its field: synthetic ids, a unit mistake, a missing field, an extra one', () => {
    const { found } = check(format, [{ order_id: 'SYN-9', hours: 9000, prompt: 'p', extra: 1 }]);
    assert.deepEqual(found.map((f) => `${f.rule} ${f.field}`).sort(), ['schema answer', 'schema extra', 'schema hours', 'schema order_id']);
  });

  it('refuses a definition whose schema does not compile, or with a misspelt keyword', () => {
    assert.throws(() => parseFormatDefinition({ name: 'x', schema: { type: 'objekt' } }), (e: unknown) => e instanceof ValidationError && e.field === 'schema');
    assert.throws(() => parseFormatDefinition({ name: 'x', schema: { type: 'object', propertise: {} } }), (e: unknown) => e instanceof ValidationError && e.field === 'schema');
    assert.throws(() => parseFormatDefinition({ name: 'x y', schema: {} }), (e: unknown) => e instanceof ValidationError && e.field === 'name');
    assert.throws(() => parseFormatDefinition({ name: 'x', schema: {}, uniq: [] }), (e: unknown) => e instanceof ValidationError && e.field === 'uniq');
  });

  it('reads draft-07 schemas too', () => {
    const f = createUserFormat(parseFormatDefinition({ name: 'd7', schema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', required: ['a'] } }));
    assert.deepEqual(check(f, [{}]).found.map((x) => `${x.rule} ${x.field}`), ['schema a']);
  });
});
