/**
 * The `trainyard` command line: wires each command group (one file each) into commander and
 * returns the exit code: 0 ok, 1 failure, 2 usage error, 130 interrupted (Ctrl-C).
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { configureCommand, type CliContext } from './command.ts';
import { moveCommand, pauseCommand, priorityCommand, resumeCommand } from './control.ts';
import { dataCommand } from './datasets.ts';
import { deployCommand, deploymentsCommand, rollbackCommand } from './deploy.ts';
import { demoCommand } from './demo.ts';
import { evalCommand } from './eval.ts';
import { gcCommand } from './gc.ts';
import { inboxCommand } from './inbox.ts';
import { createProcessIo, EXIT, type Io } from './io.ts';
import { lsCommand, showCommand, stopCommand } from './jobs.ts';
import { logsCommand } from './logs.ts';
import { checkpointsCommand, metricsCommand } from './metrics.ts';
import { modelCommand } from './models.ts';
import { serverCommand } from './server.ts';
import { submitCommand } from './submit.ts';
import { tokenCommand } from './tokens.ts';
import { signInCommand } from './sign-in.ts';
import { keyCommand } from './keys.ts';
import { rulesCommand } from './rules.ts';
import { curriculumCommand } from './curriculum.ts';
import { studyCommand } from './study.ts';
import { artifactsCommand } from './artifacts.ts';
import { backupCommand, doctorCommand, restoreCommand } from './operations.ts';
import { auditCommand } from './audit.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Builds the program; exposed for tests and for generating docs from `--help`. */
export function createProgram(ctx: CliContext): Command {
  const program = new Command('trainyard')
    .description(
      'Trainyard: a self-hosted control plane for model training.\n\n' +
        'The CLI talks to a server found through TRAINYARD_URL and TRAINYARD_TOKEN, or else through the ' +
        'data directory (--data-dir, $TRAINYARD_HOME, default ~/.trainyard): its server.json and admin-token. ' +
        'An explicit --data-dir wins over TRAINYARD_URL.',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .addHelpCommand(false)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => ctx.io.stdout.write(text),
      writeErr: (text) => ctx.io.stderr.write(text),
    })
    .exitOverride();
  for (const build of [serverCommand, submitCommand, lsCommand, showCommand, logsCommand, stopCommand, pauseCommand, resumeCommand, priorityCommand, moveCommand, metricsCommand, checkpointsCommand, artifactsCommand, gcCommand, inboxCommand, tokenCommand, signInCommand, keyCommand, dataCommand, evalCommand, modelCommand, deployCommand, rollbackCommand, deploymentsCommand, rulesCommand, curriculumCommand, studyCommand, backupCommand, restoreCommand, doctorCommand, auditCommand, demoCommand]) {
    program.addCommand(configureCommand(ctx, build(ctx)));
  }
  program.addHelpText(
    'after',
    '\nEvery command takes --json (one JSON document on stdout) and -h/--help.\n' +
      'Exit codes: 0 ok, 1 failure, 2 usage error, 130 interrupted.\n\n' +
      'Start here: npm run demo   (or: trainyard server, then trainyard submit job.yaml --follow)',
  );
  return program;
}

/** Runs the CLI on `argv` (without node and the script) and resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = createProcessIo()): Promise<number> {
  const split = argv.indexOf('--');
  const ctx: CliContext = {
    io,
    rest: split === -1 ? [] : argv.slice(split + 1),
    exitCode: EXIT.ok,
  };
  const program = createProgram(ctx);
  const words = split === -1 ? [...argv] : argv.slice(0, split);
  if (words.length === 0) {
    program.outputHelp();
    return EXIT.usage;
  }
  try {
    await program.parseAsync(words, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      const ok = ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code);
      return ok ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
  return ctx.exitCode;
}
