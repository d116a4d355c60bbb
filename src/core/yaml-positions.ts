/**
 * YAML with positions: the line and column of a dotted field path in a parsed document, and the
 * yaml package's syntax messages in our words. Shared by the CLI's job files (cli/job-file.ts)
 * and the rules file (automations/rules-file.ts). Pure: text in, values out.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A YAML text that did not parse: the first error with its position (from 1). */
export interface YamlSyntaxProblem {
  readonly line: number | null;
  readonly column: number | null;
  readonly message: string;
}

export interface PositionedYaml {
  /** The first syntax error, or null. */
  readonly problem: YamlSyntaxProblem | null;
  readonly value: unknown;
  /** Where a dotted field path's key starts (its item, in a list), or null when the text does not hold it. */
  locate(field: string): Position | null;
}

/** Parses YAML text (duplicate keys are errors) keeping positions. */
export function parseYamlWithPositions(text: string, options: { readonly json?: boolean } = {}): PositionedYaml & { readonly doc: Document; readonly lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, ...(options.json ? { schema: 'json' } : {}) });
  const first = doc.errors[0];
  const problem = first
    ? { line: first.linePos ? first.linePos[0].line : null, column: first.linePos ? first.linePos[0].col : null, message: describeYamlError(first.message) }
    : null;
  return { problem, value: problem ? undefined : doc.toJS(), locate: (field) => locateIn(doc, lineCounter, field), doc, lineCounter };
}

/** The yaml package's message without its " at line L, column C:" tail, plus the snippet. */
export function describeYamlError(message: string): string {
  const match = /^([\s\S]*?) at line \d+, column \d+:?\s*\n([\s\S]*)$/.exec(message);
  if (!match) return message.trim();
  const snippet = match[2].replace(/\s+$/, '');
  return snippet ? `${match[1]}\n\n${snippet.replace(/^/gm, '  ')}` : match[1];
}

/** Where a dotted path's key starts (its item, in a list), or null when the document does not hold it. */
export function locateIn(doc: Document, lineCounter: LineCounter, field: string): Position | null {
  const path = field.split('.');
  const last = path[path.length - 1];
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1).map(keyOf), true);
  let range: [number, number, number] | null | undefined = null;
  if (isMap(parent)) {
    const pair = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === last);
    range = pair && isScalar(pair.key) ? pair.key.range : null;
  } else if (isSeq(parent) && /^\d+$/.test(last)) {
    const item = parent.items[Number(last)];
    range = item && typeof item === 'object' && 'range' in item ? (item as { range?: [number, number, number] }).range : null;
  }
  if (!range) return null;
  const pos = lineCounter.linePos(range[0]);
  return { line: pos.line, column: pos.col };
}

function keyOf(part: string): string | number {
  return /^\d+$/.test(part) ? Number(part) : part;
}
