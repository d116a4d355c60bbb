/**
 * Words for a schema issue: what was expected and what came ("expected a number, got the string
 * "two""). One wording for every zod schema a user's input meets: job specs, inbox templates,
 * format definitions and route bodies. The field is named by the caller (`ValidationError`).
 */
import type { z } from 'zod';
import { UNSAFE_CHAR } from './names.ts';

type Issue = z.core.$ZodIssue;

/** Longest piece of a string quoted back to the user; longer ones are cut with "…". */
const QUOTE_MAX = 40;

/**
 * The message for one issue, without the field. Issues parsed with `{reportInput: true}` also say
 * what came; without it, the type zod saw.
 */
export function describeIssue(issue: Issue): string {
  const hasInput = 'input' in issue;
  const got = hasInput ? `, got ${describeValue(issue.input)}` : '';
  switch (issue.code) {
    case 'invalid_type':
      if (hasInput && issue.input === undefined) return `is required (expected ${expectedPhrase(issue.expected)})`;
      return hasInput ? `expected ${expectedPhrase(issue.expected)}${got}` : withoutPrefix(issue.message);
    case 'invalid_union':
      return describeUnion(issue, got);
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
    case 'too_big':
    case 'too_small':
      return `${describeBound(issue)}${sizeOf(issue.input, hasInput)}`;
    default:
      return `${withoutPrefix(issue.message)}${got}`;
  }
}

/** "the string "two"", "the number 5", "an object", "an array of 3 items", "null". */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    if (value.length === 0) return 'an empty string';
    const shown = value.length > QUOTE_MAX ? `${quote(value.slice(0, QUOTE_MAX)).slice(0, -1)}…"` : quote(value);
    return value.length > QUOTE_MAX ? `a string of ${value.length} characters (${shown})` : `the string ${shown}`;
  }
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN (not a number)' : `the number ${value}`;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

const UNSAFE_CHARS = new RegExp(UNSAFE_CHAR.source, 'gu');

/** A JSON string literal with every character that changes how text is shown escaped. */
export function quote(text: string): string {
  return JSON.stringify(text).replace(UNSAFE_CHARS, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

const ARTICLE: Record<string, string> = {
  int: 'a whole number', number: 'a number', string: 'a string', boolean: 'true or false', object: 'an object',
  array: 'an array', record: 'an object', null: 'null', bigint: 'a whole number', date: 'a date',
};

function expectedPhrase(expected: string): string {
  return ARTICLE[expected] ?? expected;
}

/** The dotted field an issue is about; for unknown keys, the first unknown key ("resources.gpu"). */
export function issueField(issue: Issue): string | null {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path.push(issue.keys[0]);
  return path.join('.') || null;
}

/**
 * The issue to report: for a union whose input matched one alternative's type but not its
 * content (`priority: {"class": "urgent"}`), that alternative's issue, with its full path.
 */
export function closestIssue(issue: Issue): Issue {
  if (issue.code !== 'invalid_union') return issue;
  const deeper = (issue.errors ?? []).find((branch) => branch.length > 0 && branch[0].path.length > 0);
  if (!deeper) return issue;
  return closestIssue({ ...deeper[0], path: [...issue.path, ...deeper[0].path] } as Issue);
}

/** A union none of whose alternatives' types matched: the list of what each expects. */
function describeUnion(issue: Extract<Issue, { code: 'invalid_union' }>, got: string): string {
  const branches = (issue.errors ?? []) as Issue[][];
  const wants: string[] = [];
  for (const branch of branches) {
    const first = branch[0];
    if (first?.code === 'invalid_type') wants.push(expectedPhrase(first.expected));
    else if (first?.code === 'invalid_value') wants.push(`one of ${first.values.map((v) => JSON.stringify(v)).join(', ')}`);
    else if (first) wants.push(withoutPrefix(first.message));
  }
  const unique = [...new Set(wants)];
  if (unique.length === 0) return `${withoutPrefix(issue.message)}${got}`;
  const list = unique.length === 1 ? unique[0] : `${unique.slice(0, -1).join(', ')} or ${unique.at(-1)}`;
  if ('input' in issue && issue.input === undefined) return `is required (expected ${list})`;
  return `expected ${list}${got}`;
}

/** "must be at most 64", "must have at least 1 item", "must be at most 200 characters long". */
function describeBound(issue: Extract<Issue, { code: 'too_big' | 'too_small' }>): string {
  if (!/^Too (big|small): /.test(issue.message)) return issue.message; // the schema's own words
  const big = issue.code === 'too_big';
  const bound = Number(big ? issue.maximum : issue.minimum);
  const inclusive = issue.inclusive !== false;
  const word = big ? (inclusive ? 'at most' : 'less than') : inclusive ? 'at least' : 'more than';
  switch (issue.origin) {
    case 'number':
    case 'int':
    case 'bigint':
      return `must be ${word === 'more than' ? 'greater than' : word} ${bound}`;
    case 'string':
      if (!big && bound === 1) return 'must not be empty';
      return `must be ${word} ${bound} character${bound === 1 ? '' : 's'} long`;
    case 'array':
    case 'set':
      return `must have ${word} ${bound} item${bound === 1 ? '' : 's'}`;
    default:
      return withoutPrefix(issue.message);
  }
}

/** For a size limit the count matters more than the content: "got 5000 characters". */
function sizeOf(input: unknown, hasInput: boolean): string {
  if (!hasInput) return '';
  if (typeof input === 'string') return `, got ${input.length} character${input.length === 1 ? '' : 's'}`;
  if (Array.isArray(input)) return `, got ${input.length} item${input.length === 1 ? '' : 's'}`;
  return `, got ${describeValue(input)}`;
}

/** zod's "Invalid input: expected number, received string" reads better without its prefix. */
function withoutPrefix(message: string): string {
  return message.replace(/^(Invalid input|Invalid option|Too big|Too small|Invalid string|Invalid number): /, '');
}
