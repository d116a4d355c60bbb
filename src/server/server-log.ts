/**
 * The server log (`<dataDir>/server.log`): one entry per request the server failed (5xx),
 * under the request id that the response body carries, so "see the server log" leads somewhere.
 *
 *   2026-01-05T10:00:00.000Z request 4f1c2a9b3e7d POST /api/v1/jobs answered 500: RangeError: Maximum call stack size exceeded
 *       at JSON.stringify (<anonymous>)
 *       …
 */
import { appendFileSync } from 'node:fs';
import { UNSAFE_CHAR } from '../core/names.ts';

export interface FailedRequest {
  readonly requestId: string;
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly error: unknown;
}

export interface ServerLog {
  /** Where the entries go, for messages that point to it. */
  readonly path: string;
  /** Appends one entry; never throws (a full disk must not turn a 500 into a crash). */
  failed(request: FailedRequest): void;
}

export interface ServerLogOptions {
  readonly now?: () => number;
  /** Also told the entry's first line (the server's console). Default: nothing. */
  readonly echo?: (line: string) => void;
}

export function createServerLog(path: string, options: ServerLogOptions = {}): ServerLog {
  const now = options.now ?? Date.now;
  return {
    path,
    failed({ requestId, method, url, status, error }) {
      const headline = printable(`request ${requestId} ${method} ${url} answered ${status}: ${summary(error)}`);
      const more = error instanceof Error ? details(error) : '';
      try {
        appendFileSync(path, `${new Date(now()).toISOString()} ${headline}${more ? `\n${more}` : ''}\n`, { mode: 0o600 });
      } catch {
        // The console line below still says what happened.
      }
      options.echo?.(`${headline} (details in ${path})`);
    },
  };
}

const UNSAFE_CHARS = new RegExp(UNSAFE_CHAR.source, 'gu');

/** One line, with the characters that would change a terminal's display escaped (`\u001b`). */
function printable(text: string): string {
  return text.replace(UNSAFE_CHARS, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

function summary(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.split('\n')[0];
  return String(error);
}

/** The frames of the stack, then each `cause` with its frames, indented under the headline. */
function details(error: Error): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    if (depth > 0) lines.push(`  caused by ${summary(current)}`);
    lines.push(...(current.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)).map((line) => `    ${line.trim()}`));
    current = current.cause;
  }
  return lines.join('\n');
}
