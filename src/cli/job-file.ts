/**
 * Job files: YAML, or JSON (`.json`, read strictly), holding a job spec.
 * A relative `cwd` is resolved against the file's directory; a missing one is the file's
 * directory. Errors name the file, line and column.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { describeYamlError, locateIn } from '../core/yaml-positions.ts';
import { FileError } from './io.ts';

export interface JobFile {
  /** Absolute path of the file. */
  readonly path: string;
  /** The file's spec with `cwd` made absolute; not validated beyond being a mapping. */
  readonly spec: Record<string, unknown>;
  /** Line and column (from 1) of a dotted field path, or null when the file does not hold it. */
  locate(field: string): { line: number; column: number } | null;
}

/** What a file of another kind holds, for its messages (eval suite files use this parser too). */
export interface FileKind {
  /** Default: "a job file holds a mapping (command, cwd, …)". */
  readonly holds?: string;
}

/** Reads and parses a job file; throws FileError when it cannot be read or does not parse. */
export function loadJobFile(path: string, cwd: string, kind: FileKind = {}): JobFile {
  const absolute = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new FileError(path, null, null, why);
  }
  return parseJobFile(path, absolute, text, kind);
}

/** Parses the text of a job file named `displayName`, found at `absolute`. */
export function parseJobFile(displayName: string, absolute: string, text: string, kind: FileKind = {}): JobFile {
  const holds = kind.holds ?? 'a job file holds a mapping (command, cwd, …)';
  const json = /\.json$/i.test(absolute);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, ...(json ? { schema: 'json' } : {}) });
  const first = doc.errors[0];
  if (first) {
    const [line, column] = first.linePos ? [first.linePos[0].line, first.linePos[0].col] : [null, null];
    const detail = describeYamlError(first.message);
    throw new FileError(displayName, line, column, json ? detail.replace(/^Unresolved plain scalar/, 'not a JSON value:') : detail);
  }
  if (json) checkStrictJson(displayName, text, lineCounter);
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) throw new FileError(displayName, 1, 1, `the file is empty: ${holds}`);
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new FileError(displayName, 1, 1, `${holds}, not a list or a scalar`);
  }
  const spec = { ...(value as Record<string, unknown>) };
  const base = dirname(absolute);
  if (spec.cwd === undefined || spec.cwd === null) spec.cwd = base;
  else if (typeof spec.cwd === 'string') spec.cwd = resolve(base, spec.cwd);
  else {
    const at = locateIn(doc, lineCounter, 'cwd');
    throw new FileError(displayName, at?.line ?? null, at?.column ?? null, 'cwd must be a path string', 'cwd');
  }
  return { path: absolute, spec, locate: (field) => locateIn(doc, lineCounter, field) };
}

/** What YAML's JSON schema lets through but JSON does not (trailing commas). */
function checkStrictJson(displayName: string, text: string, lineCounter: LineCounter): void {
  try {
    JSON.parse(text);
  } catch (error) {
    const comma = /,\s*[}\]]/.exec(text);
    const pos = comma ? lineCounter.linePos(comma.index) : null;
    const detail = comma ? 'trailing comma' : (error as Error).message;
    throw new FileError(displayName, pos?.line ?? null, pos?.col ?? null, detail);
  }
}
