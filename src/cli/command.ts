/**
 * What every command shares: the context `main` hands it, the common options (`--json`,
 * `--data-dir`), and the wrapper that turns an action's result or error into an exit code.
 */
import { Command } from 'commander';
import { reportError, UsageError, type Io } from './io.ts';

export interface CliContext {
  readonly io: Io;
  /** The words after the first `--` (the command of `submit -- CMD…`). */
  readonly rest: readonly string[];
  /** Set by the action that ran. */
  exitCode: number;
}

/** Options every client command takes. */
export interface CommonOptions {
  json?: boolean;
  dataDir?: string;
}

/** A command with `--json` and, unless `dataDir` is false, `--data-dir`. */
export function createCommand(name: string, options: { dataDir?: boolean } = {}): Command {
  const command = new Command(name).option('--json', 'print one JSON document on stdout and nothing else');
  if (options.dataDir !== false) {
    command.option('--data-dir <dir>', 'data directory of the server to use (default: $TRAINYARD_HOME, else ~/.trainyard)');
  }
  return command;
}

/**
 * Wraps an action: its result becomes the exit code, a thrown error is reported (as JSON too
 * under `--json`). Words after `--` are refused unless `acceptsRest`.
 */
export function action<A extends unknown[]>(
  ctx: CliContext,
  run: (...args: A) => Promise<number>,
  options: { acceptsRest?: boolean } = {},
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const json = Boolean(command.opts().json);
    try {
      if (!options.acceptsRest && ctx.rest.length > 0) throw new UsageError(`unexpected arguments after --: ${ctx.rest.join(' ')}`);
      ctx.exitCode = await run(...(args.slice(0, -1) as A));
    } catch (error) {
      ctx.exitCode = reportError(ctx.io, error, json);
    }
  };
}

/**
 * What every command and subcommand shares: `-h, --help`, help after a usage error, output
 * through the context's streams, and errors thrown instead of exiting (main turns them into
 * the exit code).
 */
export function configureCommand(ctx: CliContext, command: Command): Command {
  return command
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => ctx.io.stdout.write(text), writeErr: (text) => ctx.io.stderr.write(text) })
    .exitOverride();
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
