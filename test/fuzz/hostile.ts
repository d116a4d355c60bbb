/**
 * What the fuzzer throws at every field: strings, numbers and paths chosen to break parsers,
 * validators, path checks and storage. None of these strings is a shell command or a host name:
 * a value the server happens to accept must stay harmless (test/fuzz/README.md).
 */
import type { Random } from './random.ts';

/** Strings that have broken something somewhere: unicode, control bytes, injections, formats. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800', // lone high surrogate
  'x\udc00y', // lone low surrogate
  '\u202eevil\u202c', // right-to-left override
  '\u200f\u05e9\u05dc\u05d5\u05dd', // RTL mark, Hebrew
  '😀🧪👩‍👩‍👧‍👦',
  'e\u0301\u0301\u0301\u0301',
  '\ufeffbom',
  '\r\n\r\nHTTP/1.1 200 OK',
  'line\nbreak',
  '\t',
  '%00',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..%2F..%2F',
  '../../etc/passwd',
  '..\\..\\windows',
  '/etc/passwd',
  '~/.ssh/id_rsa',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-0',
  '1e999',
  '0x1f',
  'true',
  '{"a":1}',
  '[]',
  "' OR '1'='1",
  '"; DROP TABLE jobs; --',
  '${HOME}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '%s%s%s%n',
  '*',
  '?',
  '#',
  'a'.repeat(257),
  '.',
  '..',
  '-',
  '@',
  'name@',
  '@latest',
  'CON',
];

/** Numbers at and beyond every bound a schema is likely to have. */
export const HOSTILE_NUMBERS: readonly number[] = [
  0, -0, -1, 1, 0.5, -0.5, 1e-300, 5e-324, 2 ** 31 - 1, 2 ** 31, 2 ** 32, -(2 ** 31) - 1,
  Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER - 2,
  1e21, 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE,
];

/** Number-like text JSON cannot carry, spliced into a body in place of a number. */
export const NON_JSON_NUMBERS: readonly string[] = ['NaN', 'Infinity', '-Infinity', '1e400', '-1e400', '+1', '01', '.5', '0x10', '1_000', '- 1', '1.', '-'];

/**
 * Paths that climb out, name something else, or carry what a path must not. No folder that is
 * large (`/`, `/etc`): a dataset registration copies what it is given, and a case must stay cheap.
 */
export function hostilePaths(roots: HostileRoots): string[] {
  return [
    '../../etc/passwd',
    '../'.repeat(40) + 'etc/passwd',
    '..',
    '.',
    '/etc/passwd',
    '/etc/passwd/',
    '/dev/null',
    '/dev/zero',
    '/dev/urandom',
    '/proc/self/environ',
    '/proc/self/mem',
    '/proc/self/fd/0',
    '%2e%2e/%2e%2e/etc/passwd',
    '..%2f..%2fetc%2fpasswd',
    'a\u0000/../../etc/passwd',
    '/tmp\u0000',
    'C:\\Windows\\System32',
    '\\\\host\\share',
    'file:///etc/passwd',
    '~/x',
    'a/'.repeat(2000) + 'b',
    'x'.repeat(5000),
    'ckpt/../../../../etc/passwd',
    ...roots.links,
    ...roots.inside.map((p) => `${p}/../../../../etc/passwd`),
  ];
}

/** Where the fixture put its files: real paths inside the allowed roots, and links out of them. */
export interface HostileRoots {
  /** Real files and folders the server may legitimately read (a dataset file, a checkpoint). */
  readonly inside: readonly string[];
  /** Symlinks (absolute paths) that point out of where they sit: to /etc/passwd, to /, to a loop. */
  readonly links: readonly string[];
}

/** A hostile string, sometimes glued to a plausible one. */
export function hostileString(random: Random, plausible: string): string {
  const bad = random.pick(HOSTILE_STRINGS);
  switch (random.int(0, 3)) {
    case 0: return bad;
    case 1: return plausible + bad;
    case 2: return bad + plausible;
    default: return plausible.slice(0, random.int(0, plausible.length)) + bad + plausible.slice(random.int(0, plausible.length));
  }
}
