/**
 * What a command may touch of the outside world, passed in so that tests can run `main` in
 * process: the output streams, the environment, the working directory, Ctrl-C, and the clock.
 * Also the CLI's typed errors: `main` turns them into a message and an exit code.
 */
import { ApiConnectionError, ApiError } from '../sdk/client.ts';
import { escapeControlChars } from './format.ts';

export interface Output {
  write(chunk: string | Uint8Array): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface Io {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Calls `handler` on Ctrl-C (SIGINT) instead of exiting; returns the function that removes it. */
  onInterrupt(handler: () => void): () => void;
  now(): number;
}

/** The process's own streams, environment and signals. */
export function createProcessIo(): Io {
  // `trainyard ls | head -1`: a reader that went away ends the command quietly.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(EXIT.ok);
    });
  }
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
    now: () => Date.now(),
  };
}

/** Exit codes of every command. */
export const EXIT = Object.freeze({ ok: 0, failure: 1, usage: 2, interrupted: 130 });

/** An expected failure: printed as "error: message" without a stack; exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
    options?: { cause?: unknown; code?: string },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.code = options?.code ?? 'failed';
  }
  readonly code: string;
}

/** The command line itself is wrong (exit code 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage, { code: 'usage' });
  }
}

/** A command-line argument that must be a whole number ≥ 1 (an id, a count); UsageError naming `what` otherwise. */
export function positiveInteger(text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${what} must be a positive whole number, got ${JSON.stringify(text)}`);
  return n;
}

/** A file the user gave does not parse or does not make a job spec; names file, line and column. */
export class FileError extends CliError {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly column: number | null,
    readonly detail: string,
    readonly field: string | null = null,
  ) {
    super(`${file}${line === null ? '' : `:${line}${column === null ? '' : `:${column}`}`}: ${detail}`, EXIT.failure, { code: 'invalid_file' });
  }
}

/** Writes one JSON document, pretty-printed, to stdout. */
export function printJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Reports a thrown error and returns the exit code. Expected errors print one clear message;
 * only a bug (any other error) prints its stack. With `json`, stdout also gets
 * `{"error": {"code", "message", "field"}}`.
 */
export function reportError(io: Io, error: unknown, json: boolean): number {
  let code = 'internal';
  let message: string;
  let field: string | null = null;
  let exitCode: number = EXIT.failure;
  if (error instanceof ApiError) {
    code = error.code;
    field = error.field;
    // The server's messages quote what was sent (names, values): escaped like any user text.
    message = escapeControlChars(describeApiError(error));
  } else if (error instanceof ApiConnectionError) {
    code = 'unreachable';
    message = error.message;
  } else if (error instanceof CliError) {
    code = error.code;
    message = error.message;
    exitCode = error.exitCode;
    if (error instanceof FileError) field = error.field;
  } else {
    message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  }
  io.stderr.write(`error: ${message}\n`);
  if (json) printJson(io, { error: { code, message: error instanceof Error ? stripStack(message) : message, field } });
  return exitCode;
}

/** "resources.gpus: too big (400 invalid_spec)" without repeating a field the message names. */
export function describeApiError(error: ApiError): string {
  const message = stripFieldPrefix(error.message, error.field);
  const prefix = error.field ? `${error.field}: ` : '';
  if (error.status === 401) return `${prefix}${message} (401: the token is missing or unknown; check TRAINYARD_TOKEN or the data dir's admin-token)`;
  return `${prefix}${message} (${error.status} ${error.code})`;
}

/** The server's ValidationError messages may already start with "field: ". */
export function stripFieldPrefix(message: string, field: string | null): string {
  return field && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
}

function stripStack(message: string): string {
  return message.split('\n')[0];
}
