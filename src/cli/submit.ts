/** `trainyard submit FILE | submit [options] -- CMD…`, optionally following the job to its end. */
import type { Command } from 'commander';
import { ApiError, type ApiJob, type Client, type JobSpecInput } from '../sdk/client.ts';
import { action, collect, createCommand, type CliContext, type CommonOptions } from './command.ts';
import { connect } from './connect.ts';
import { describeOutcome, followJob } from './follow.ts';
import { escapeControlChars } from './format.ts';
import { EXIT, FileError, printJson, stripFieldPrefix, UsageError, type Io } from './io.ts';
import type { JobFile } from './job-file.ts';
import { applyFlags, buildInlineSpec, flaggedFields, type SpecFlags } from './spec-args.ts';

interface SubmitOptions extends CommonOptions, SpecFlags {
  follow?: boolean;
}

export function submitCommand(ctx: CliContext): Command {
  return createCommand('submit')
    .summary('submit a job file, or the command after --')
    .description(
      'Submit a job: from a YAML or JSON job file (its fields as in docs/http-api.md; a relative cwd is ' +
        'resolved against the file\'s directory, a missing one is that directory), or inline from the ' +
        'command after `--` (cwd: the current directory). Options override the file\'s fields; --env and ' +
        '--param are merged into its env and params, --tag adds to its tags.',
    )
    .usage('[options] FILE\n       trainyard submit [options] -- CMD…')
    .argument('[file]', 'job file (.yaml, .yml or .json)')
    .option('--name <name>', "job name (default: the command's script or program name)")
    .option('--gpus <n>', 'GPUs the job needs (default: 0)')
    .option('--cpus <n>', 'CPU slots the job needs (default: 1 when --gpus is 0, else 0)')
    .option('--cwd <dir>', 'working directory (relative to the current directory)')
    .option('--env <KEY=VALUE>', 'environment variable for the job (repeatable)', collect)
    .option('--param <KEY=VALUE>', 'hyperparameter, a JSON value or a string (repeatable); passed as TRAINYARD_PARAMS', collect)
    .option('--max-retries <n>', 'retries after a failed run (default: 3)')
    .option('--keep <n>', 'registered checkpoints to keep, 0 keeps all (default: 3)')
    .option('--grace <seconds>', 'seconds between SIGTERM and SIGKILL on stop (default: 30)')
    .option('--tag <tag>', 'tag (repeatable)', collect)
    .option('--shell', 'run the command as one /bin/sh -c script')
    .option('--priority <priority>', 'high | normal | low | N | CLASS:N (default: normal)')
    .option('--preemptible', 'may be paused to make room for a higher-priority job, and resumed later')
    .option('--after <id>', 'start only after this job succeeded (repeatable)', collect)
    .option('--time-limit <seconds>', 'stop the run and fail the job after this long')
    .option('--from <ref>', 'start from a checkpoint (TRAINYARD_INIT_FROM): model:NAME@ALIAS, model:NAME:VERSION, job:N, job:N:best or checkpoint:N')
    .option('--follow', 'follow the job to its end with a live progress bar; exit 0 only if it succeeded')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  trainyard submit examples/char-lm/job.yaml --follow\n' +
        '  trainyard submit --name sweep-1 --param lr=0.01 --gpus 1 -- python3 train.py --epochs 3\n' +
        "  trainyard submit --shell -- 'python3 prep.py && python3 train.py'\n" +
        "  trainyard submit examples/char-lm/job.yaml --from 'model:char-lm@production' --param lr=0.003\n\n" +
        'Exit codes: 0 submitted (with --follow: the job succeeded), 1 failed, 2 usage error, ' +
        '130 detached with Ctrl-C while following (the job keeps running).',
    )
    .action(action(ctx, (file: string | undefined, options: SubmitOptions) => submit(ctx, file, options), { acceptsRest: true }));
}

async function submit(ctx: CliContext, file: string | undefined, options: SubmitOptions): Promise<number> {
  const { io } = ctx;
  let spec: JobSpecInput;
  let jobFile: JobFile | null = null;
  if (ctx.rest.length > 0) {
    if (file !== undefined) throw new UsageError('give a job file or a command after --, not both');
    spec = buildInlineSpec(options, ctx.rest, io.cwd);
  } else if (file !== undefined) {
    const { loadJobFile } = await import('./job-file.ts'); // yaml loads only here, not at every CLI start
    jobFile = loadJobFile(file, io.cwd);
    spec = applyFlags(jobFile.spec, options, io.cwd);
  } else {
    throw new UsageError('nothing to submit: trainyard submit FILE, or trainyard submit [options] -- CMD…');
  }
  const client = connect(io, options);
  const job = await submitSpec(client, spec, file, jobFile, options);
  if (!options.follow) {
    if (options.json) printJson(io, job);
    else io.stdout.write(`submitted job ${job.id} (${escapeControlChars(job.name ?? job.spec.name)}): ${job.state}\n  trainyard show ${job.id}   trainyard logs ${job.id} -f\n`);
    return EXIT.ok;
  }
  return followToEnd(client, job, io, Boolean(options.json));
}

/** Submits, turning a 400 about a field the job file holds into an error at its line. */
async function submitSpec(client: Client, spec: JobSpecInput, file: string | undefined, jobFile: JobFile | null, flags: SpecFlags): Promise<ApiJob> {
  try {
    return await client.submitJob(spec);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 400 || !jobFile || file === undefined) throw error;
    const field = error.field;
    const detail = `${field ? `${field}: ` : ''}${stripFieldPrefix(error.message, field)}`;
    const flagged = field !== null && flaggedFields(flags).some((f) => field === f || field.startsWith(`${f}.`));
    if (flagged) throw error;
    const at = field ? jobFile.locate(field) : null;
    throw new FileError(file, at?.line ?? null, at?.column ?? null, detail, field);
  }
}

/**
 * Follows a submitted job, then prints the outcome (or, with `json`, the final job as
 * `show --json` does). Exit code: 0 only for `succeeded`; 130 when detached with Ctrl-C.
 */
export async function followToEnd(client: Client, job: ApiJob, io: Io, json: boolean): Promise<number> {
  if (!json) io.stdout.write(`submitted job ${job.id} (${escapeControlChars(job.name ?? job.spec.name)})\n`);
  const result = await followJob(client, job.id, io, { out: json ? io.stderr : io.stdout });
  if (json) printJson(io, result.job);
  else if (!result.detached) io.stdout.write(describeOutcome(result.job, await client.listCheckpoints(job.id)));
  if (result.detached) return EXIT.interrupted;
  return result.job.state === 'succeeded' ? EXIT.ok : EXIT.failure;
}
