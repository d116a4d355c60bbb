/**
 * The stdout line protocol (docs/training-contract.md): a script in any language reports
 * metrics, progress and checkpoints by printing lines that start with `#trainyard `.
 *
 * ```
 * #trainyard metrics step=120 loss=0.5312 acc=0.91
 * #trainyard progress total=5000 message="epoch 2"
 * #trainyard checkpoint path=step-120.bin step=120 loss=0.5312
 * #trainyard artifact path=plots/loss.png step=120 kind=image name="loss curve.png"
 * ```
 *
 * Grammar, after the prefix: a verb, then fields separated by spaces or tabs. A field is
 * `key=value`; a key matches the metric key pattern of the HTTP API (`[A-Za-z0-9_.\-/]{1,200}`);
 * a value is either a JSON string in double quotes or a bare token (no whitespace). A bare
 * token is a number where a number is expected (`12`, `-0.5`, `1e-3`, and for metric values
 * also `nan`, `inf`, `-inf`, `NaN`, `Infinity`, `-Infinity`, any case) and a string where a
 * string is expected (`path=step-120.bin`). Quoted `"NaN"`, `"Infinity"` and `"-Infinity"` are
 * accepted as metric values too, as in the HTTP API.
 *
 * The parser is pure and total: it never throws. A line that is not an instruction gives
 * `null`; a malformed instruction gives `{ kind: 'invalid', reason, column }` so the caller can
 * log a warning naming the problem and go on.
 */

import { ARTIFACT_KINDS, isArtifactKind, type ArtifactKind } from './artifacts.ts';

/** The prefix that marks an instruction line. */
export const LINE_PREFIX = '#trainyard ';

/** Keys of fields, the same pattern as metric keys in the HTTP API. */
export const LINE_KEY_PATTERN = /^[A-Za-z0-9_.\-/]{1,200}$/;

/** `#trainyard metrics step=N key=value…`: one point per key at `step`. */
export interface MetricsInstruction {
  readonly kind: 'metrics';
  /** Finite. */
  readonly step: number;
  /** At least one entry; values may be NaN or ±Infinity. */
  readonly metrics: Readonly<Record<string, number>>;
}

/** `#trainyard progress total=N message="…"`: at least one of the two. */
export interface ProgressInstruction {
  readonly kind: 'progress';
  /** Finite and not negative, when given. */
  readonly total?: number;
  readonly message?: string;
}

/** `#trainyard checkpoint path=P step=N key=value…`: register a checkpoint the script wrote. */
export interface CheckpointInstruction {
  readonly kind: 'checkpoint';
  /** As written: relative to the checkpoint directory, or absolute. Not checked here. */
  readonly path: string;
  /** Finite. */
  readonly step: number;
  /** Every other field; values may be NaN or ±Infinity. */
  readonly metrics: Readonly<Record<string, number>>;
}

/**
 * `#trainyard artifact path=P [kind=K] [step=N] [name=S]`: attach a file the script wrote (a
 * plot, a table, a report; core/artifacts.ts). The server copies it, so it outlives the run's
 * working directory.
 */
export interface ArtifactInstruction {
  readonly kind: 'artifact';
  /** As written: relative to the run's working directory, or absolute. Not checked here. */
  readonly path: string;
  /** One of ARTIFACT_KINDS; absent: inferred from the name's extension. */
  readonly artifactKind?: ArtifactKind;
  /** Finite, when given. */
  readonly step?: number;
  /** Absent: the path's base name. */
  readonly name?: string;
}

export type LineInstruction = MetricsInstruction | ProgressInstruction | CheckpointInstruction | ArtifactInstruction;

/** A line that starts with the prefix but cannot be understood. */
export interface InvalidLine {
  readonly kind: 'invalid';
  /** What is wrong, for a warning in the run's log: "metrics: 'step' is required". */
  readonly reason: string;
  /** 1-based column in the line where the problem starts, when it has one place. */
  readonly column?: number;
}

export type ParsedLine = LineInstruction | InvalidLine;

/** The verbs this version understands. */
export const LINE_VERBS = ['metrics', 'progress', 'checkpoint', 'artifact'] as const;
export type LineVerb = (typeof LINE_VERBS)[number];

/**
 * Parses one line of a run's stdout.
 * @param line a line, with or without its trailing `\n` / `\r\n`.
 * @returns `null` for plain log lines (no `#trainyard ` prefix), the instruction, or an
 *   `invalid` result; never throws.
 */
export function parseLine(line: string): ParsedLine | null {
  const text = line.replace(/\r?\n$/, '').replace(/\r$/, '');
  if (!text.startsWith(LINE_PREFIX)) {
    return text.trimEnd() === LINE_PREFIX.trimEnd() ? invalid('missing instruction', 11) : null;
  }
  const tokens = tokenize(text, LINE_PREFIX.length);
  if (!Array.isArray(tokens)) return tokens;
  const [verbToken, ...fieldTokens] = tokens;
  if (verbToken === undefined) return invalid('missing instruction', LINE_PREFIX.length + 1);
  if (verbToken.key !== null) {
    return invalid(`expected an instruction (${LINE_VERBS.join(', ')}) before fields`, verbToken.column);
  }
  const verb = verbToken.raw;
  if (!isVerb(verb)) {
    return invalid(`unknown instruction '${verb}' (expected ${LINE_VERBS.join(', ')})`, verbToken.column);
  }
  const fields = collectFields(verb, fieldTokens);
  if (!(fields instanceof Map)) return fields;
  switch (verb) {
    case 'metrics':
      return parseMetrics(fields);
    case 'progress':
      return parseProgress(fields);
    case 'checkpoint':
      return parseCheckpoint(fields);
    case 'artifact':
      return parseArtifact(fields);
  }
}

/** One whitespace-separated token: `key=value`, or a bare word (the verb). */
interface Token {
  /** Null for a token without `=`. */
  readonly key: string | null;
  /** The value as written (unquoted content for JSON strings, decoded). */
  readonly raw: string;
  readonly quoted: boolean;
  /** 1-based column of the token's first character. */
  readonly column: number;
  /** 1-based column of the value's first character. */
  readonly valueColumn: number;
}

function isVerb(word: string): word is LineVerb {
  return (LINE_VERBS as readonly string[]).includes(word);
}

function invalid(reason: string, column?: number): InvalidLine {
  return column === undefined ? { kind: 'invalid', reason } : { kind: 'invalid', reason, column };
}

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t';
}

/** Splits the text after the prefix into tokens, decoding quoted values. */
function tokenize(text: string, start: number): Token[] | InvalidLine {
  const tokens: Token[] = [];
  let i = start;
  while (i < text.length) {
    if (isSpace(text[i])) {
      i++;
      continue;
    }
    const tokenStart = i;
    while (i < text.length && !isSpace(text[i]) && text[i] !== '=' && text[i] !== '"') i++;
    if (i >= text.length || isSpace(text[i])) {
      tokens.push({ key: null, raw: text.slice(tokenStart, i), quoted: false, column: tokenStart + 1, valueColumn: tokenStart + 1 });
      continue;
    }
    if (text[i] === '"') return invalid('a quoted value must follow key=', i + 1);
    const key = text.slice(tokenStart, i);
    if (!LINE_KEY_PATTERN.test(key)) {
      return invalid(
        key === '' ? 'missing key before =' : `invalid key '${key}' (allowed: letters, digits, _ . - /, at most 200)`,
        tokenStart + 1,
      );
    }
    i++; // '='
    const valueStart = i;
    if (text[i] === '"') {
      const end = findClosingQuote(text, i + 1);
      if (end < 0) return invalid(`unterminated string in '${key}'`, valueStart + 1);
      let decoded: unknown;
      try {
        decoded = JSON.parse(text.slice(valueStart, end + 1));
      } catch {
        return invalid(`invalid JSON string in '${key}'`, valueStart + 1);
      }
      i = end + 1;
      if (i < text.length && !isSpace(text[i])) {
        return invalid(`expected a space after the string in '${key}'`, i + 1);
      }
      tokens.push({ key, raw: String(decoded), quoted: true, column: tokenStart + 1, valueColumn: valueStart + 1 });
      continue;
    }
    while (i < text.length && !isSpace(text[i])) i++;
    const raw = text.slice(valueStart, i);
    if (raw === '') return invalid(`missing value for '${key}'`, valueStart + 1);
    if (raw.includes('"')) return invalid(`stray quote in the value of '${key}'`, valueStart + raw.indexOf('"') + 1);
    tokens.push({ key, raw, quoted: false, column: tokenStart + 1, valueColumn: valueStart + 1 });
  }
  return tokens;
}

/** Index of the `"` closing a JSON string whose content starts at `from`, or -1. */
function findClosingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/** Field tokens by key, refusing bare words and repeated keys. */
function collectFields(verb: LineVerb, tokens: readonly Token[]): Map<string, Token> | InvalidLine {
  const fields = new Map<string, Token>();
  for (const token of tokens) {
    if (token.key === null) return invalid(`${verb}: expected key=value, got '${token.raw}'`, token.column);
    if (fields.has(token.key)) return invalid(`${verb}: duplicate field '${token.key}'`, token.column);
    // Keys become properties of plain objects downstream (latest values, checkpoint metrics).
    if (token.key === '__proto__') return invalid(`${verb}: the key '__proto__' is reserved`, token.column);
    fields.set(token.key, token);
  }
  return fields;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE: Readonly<Record<string, number>> = {
  nan: NaN,
  '+nan': NaN,
  '-nan': NaN,
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
  infinity: Infinity,
  '+infinity': Infinity,
  '-infinity': -Infinity,
};
const QUOTED_NON_FINITE: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** A finite number, for `step` and `total`. */
function finiteNumber(verb: LineVerb, token: Token): number | InvalidLine {
  if (!token.quoted && DECIMAL.test(token.raw)) {
    const value = Number(token.raw);
    if (Number.isFinite(value)) return value;
  }
  return invalid(`${verb}: '${token.key}' must be a finite number, got '${token.raw}'`, token.valueColumn);
}

/** A metric value: a number, or one of the NaN / infinity spellings. */
function metricValue(verb: LineVerb, token: Token): number | InvalidLine {
  if (token.quoted) {
    const value = QUOTED_NON_FINITE[token.raw];
    if (value !== undefined) return value;
  } else {
    if (DECIMAL.test(token.raw)) return Number(token.raw);
    const value = NON_FINITE[token.raw.toLowerCase()];
    if (value !== undefined) return value;
  }
  return invalid(`${verb}: metric '${token.key}' must be a number, got '${token.raw}'`, token.valueColumn);
}

/** Fields other than `reserved`, as metrics. */
function metricFields(
  verb: LineVerb,
  fields: ReadonlyMap<string, Token>,
  reserved: readonly string[],
): { readonly metrics: Record<string, number> } | InvalidLine {
  const metrics: Record<string, number> = {};
  for (const [key, token] of fields) {
    if (reserved.includes(key)) continue;
    const value = metricValue(verb, token);
    if (typeof value !== 'number') return value;
    metrics[key] = value;
  }
  return { metrics };
}

function parseMetrics(fields: ReadonlyMap<string, Token>): ParsedLine {
  const stepToken = fields.get('step');
  if (stepToken === undefined) return invalid("metrics: 'step' is required");
  const step = finiteNumber('metrics', stepToken);
  if (typeof step !== 'number') return step;
  const result = metricFields('metrics', fields, ['step']);
  if ('kind' in result) return result;
  if (Object.keys(result.metrics).length === 0) return invalid('metrics: no metric after step');
  return { kind: 'metrics', step, metrics: result.metrics };
}

function parseProgress(fields: ReadonlyMap<string, Token>): ParsedLine {
  let total: number | undefined;
  let message: string | undefined;
  for (const [key, token] of fields) {
    if (key === 'total') {
      const value = finiteNumber('progress', token);
      if (typeof value !== 'number') return value;
      if (value < 0) return invalid("progress: 'total' must not be negative", token.valueColumn);
      total = value;
    } else if (key === 'message') {
      message = token.raw;
    } else {
      return invalid(`progress: unknown field '${key}' (expected total, message)`, token.column);
    }
  }
  if (total === undefined && message === undefined) return invalid('progress: expected total or message');
  return {
    kind: 'progress',
    ...(total === undefined ? {} : { total }),
    ...(message === undefined ? {} : { message }),
  };
}

function parseCheckpoint(fields: ReadonlyMap<string, Token>): ParsedLine {
  const pathToken = fields.get('path');
  if (pathToken === undefined) return invalid("checkpoint: 'path' is required");
  if (pathToken.raw === '') return invalid("checkpoint: 'path' is empty", pathToken.valueColumn);
  const stepToken = fields.get('step');
  if (stepToken === undefined) return invalid("checkpoint: 'step' is required");
  const step = finiteNumber('checkpoint', stepToken);
  if (typeof step !== 'number') return step;
  const result = metricFields('checkpoint', fields, ['path', 'step']);
  if ('kind' in result) return result;
  return { kind: 'checkpoint', path: pathToken.raw, step, metrics: result.metrics };
}

function parseArtifact(fields: ReadonlyMap<string, Token>): ParsedLine {
  const pathToken = fields.get('path');
  if (pathToken === undefined) return invalid("artifact: 'path' is required");
  if (pathToken.raw === '') return invalid("artifact: 'path' is empty", pathToken.valueColumn);
  let artifactKind: ArtifactKind | undefined;
  let step: number | undefined;
  let name: string | undefined;
  for (const [key, token] of fields) {
    if (key === 'path') continue;
    if (key === 'kind') {
      if (!isArtifactKind(token.raw)) {
        return invalid(`artifact: 'kind' must be one of ${ARTIFACT_KINDS.join(', ')}, got '${token.raw}'`, token.valueColumn);
      }
      artifactKind = token.raw;
    } else if (key === 'step') {
      const value = finiteNumber('artifact', token);
      if (typeof value !== 'number') return value;
      step = value;
    } else if (key === 'name') {
      if (token.raw === '') return invalid("artifact: 'name' is empty", token.valueColumn);
      name = token.raw;
    } else {
      return invalid(`artifact: unknown field '${key}' (expected path, kind, step, name)`, token.column);
    }
  }
  return {
    kind: 'artifact',
    path: pathToken.raw,
    ...(artifactKind === undefined ? {} : { artifactKind }),
    ...(step === undefined ? {} : { step }),
    ...(name === undefined ? {} : { name }),
  };
}
