/**
 * What a name people give to things (a job, a token) may contain. Names are printed raw in
 * terminals, logs and the dashboard, so characters that change how text is shown (control
 * characters such as ESC and NUL, bidirectional overrides such as U+202E) are refused where a
 * name is created; token names are also refused path separators.
 */
import { z } from 'zod';

/** Longest name, in characters. Default: 200: a line of a terminal or two, never a file. */
export const NAME_MAX_LENGTH = 200;

/**
 * Characters that change how the text around them is shown: C0 and C1 controls (NUL, ESC,
 * tab, newline…), line and paragraph separators, and the bidirectional marks, embeddings,
 * overrides and isolates (U+202E reverses the rest of a line).
 */
export const UNSAFE_CHAR = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

const CHAR_NAMES: Readonly<Record<number, string>> = {
  0x00: 'NUL', 0x07: 'BEL', 0x08: 'backspace', 0x09: 'tab', 0x0a: 'newline', 0x0d: 'carriage return',
  0x1b: 'ESC', 0x7f: 'DEL', 0x061c: 'Arabic letter mark', 0x200e: 'left-to-right mark', 0x200f: 'right-to-left mark',
  0x2028: 'line separator', 0x2029: 'paragraph separator', 0x202a: 'left-to-right embedding',
  0x202b: 'right-to-left embedding', 0x202c: 'pop directional formatting', 0x202d: 'left-to-right override',
  0x202e: 'right-to-left override', 0x2066: 'left-to-right isolate', 0x2067: 'right-to-left isolate',
  0x2068: 'first strong isolate', 0x2069: 'pop directional isolate',
};

export interface NameRules {
  /** Refuse "/" and "\" too (names that tools may turn into file names). Default: false. */
  readonly noPathSeparators?: boolean;
  /** Default: NAME_MAX_LENGTH. */
  readonly maxLength?: number;
}

/** What is wrong with a name, or null when it is fine. */
export function nameProblem(name: string, rules: NameRules = {}): string | null {
  const max = rules.maxLength ?? NAME_MAX_LENGTH;
  if (name.length === 0) return 'must not be empty';
  if (name.length > max) return `must be at most ${max} characters long, got ${name.length}`;
  const unsafe = UNSAFE_CHAR.exec(name);
  if (unsafe) {
    return `contains ${describeChar(unsafe[0].codePointAt(0)!)} at character ${unsafe.index + 1}: names may not contain control characters or bidirectional overrides, which change how terminals show text`;
  }
  if (rules.noPathSeparators) {
    const slash = /[/\\]/.exec(name);
    if (slash) return `contains "${slash[0]}" at character ${slash.index + 1}: names may not contain path separators`;
  }
  return null;
}

/** "U+202E (right-to-left override)", "U+0000 (NUL)". */
export function describeChar(codePoint: number): string {
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = CHAR_NAMES[codePoint] ?? (codePoint < 0xa0 ? 'a control character' : undefined);
  return name ? `${hex} (${name})` : hex;
}

/**
 * A zod schema for a name: trimmed, 1 to `maxLength` characters, checked by `nameProblem`.
 * Errors name what is wrong and where ("contains U+001B (ESC) at character 3: …").
 */
export function nameSchema(rules: NameRules = {}) {
  const max = rules.maxLength ?? NAME_MAX_LENGTH;
  return z.string().trim().min(1).max(max).superRefine((name, ctx) => {
    const problem = nameProblem(name, rules);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}
