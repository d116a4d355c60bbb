/** `trainyard logs ID [-f] [--attempt N]`: a run's log, printed as is, or followed live. */
import type { Command } from 'commander';
import { TERMINAL_JOB_STATES } from '../core/types.ts';
import type { ApiEvent, ApiJob, Client, LogEvent } from '../sdk/client.ts';
import { action, createCommand, type CliContext, type CommonOptions } from './command.ts';
import { connect } from './connect.ts';
import { CliError, EXIT, printJson, UsageError, type Io } from './io.ts';
import { parseJobId } from './spec-args.ts';
import { interruptController, watchJob } from './watch.ts';

interface LogsOptions extends CommonOptions {
  follow?: boolean;
  attempt?: string;
}

export function logsCommand(ctx: CliContext): Command {
  return createCommand('logs')
    .summary("print a run's log (-f: follow it live)")
    .description(
      "Print the log (stdout and stderr) of a job's latest run, or of --attempt N.\n" +
        'With -f, keep printing as it grows, into the next attempts too, until the job ends; ' +
        'Ctrl-C stops following (the job keeps running).',
    )
    .argument('<id>', 'job id')
    .option('-f, --follow', 'follow the log until the job (or that attempt) ends')
    .option('--attempt <n>', 'which attempt, from 1 (default: the latest)')
    .addHelpText('after', '\nWith --json: one document {"jobId", "attempt", "offset", "runState", "text"} (with -f, once it ends).')
    .action(action(ctx, (id: string, options: LogsOptions) => logs(ctx.io, parseJobId(id), options)));
}

async function logs(io: Io, jobId: number, options: LogsOptions): Promise<number> {
  const attempt = options.attempt === undefined ? undefined : parseAttempt(options.attempt);
  const client = connect(io, options);
  const sink = createSink(io, Boolean(options.json));
  if (!options.follow) {
    const job = await client.getJob(jobId);
    if (attempt !== undefined && attempt > job.attempts) {
      throw new CliError(`job ${jobId} has no attempt ${attempt} (${job.attempts} so far)`, EXIT.failure, { code: 'not_found' });
    }
    const chosen = attempt ?? job.runs?.[job.runs.length - 1]?.attempt ?? job.attempts;
    if (chosen === 0) {
      const ended = TERMINAL_JOB_STATES.includes(job.state);
      if (!options.json) io.stderr.write(`job ${jobId} ${ended ? 'ended before it started' : 'has not started yet'} (${job.state})\n`);
    } else {
      sink.runState = await drain(client, jobId, chosen, 0, sink);
    }
    sink.finish(jobId, chosen || null);
    return EXIT.ok;
  }
  const tail = createTail(client, jobId, attempt ?? null, sink, io.now);
  const interrupt = interruptController(io.onInterrupt);
  try {
    await watchJob(client, jobId, tail.handlers, { signal: interrupt.signal, pollMs: 2000 });
    await tail.settle();
  } finally {
    interrupt.dispose();
  }
  if (interrupt.interrupted()) io.stderr.write(`\nstopped following job ${jobId}: it keeps running\n`);
  sink.finish(jobId, tail.attempt());
  return interrupt.interrupted() ? EXIT.interrupted : EXIT.ok;
}

function parseAttempt(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`--attempt expects a whole number ≥ 1, got "${text}"`);
  return Number(text);
}

/** Where log bytes go: straight to stdout, or, under --json, into one document at the end. */
function createSink(io: Io, json: boolean) {
  const chunks: Uint8Array[] = [];
  return {
    offset: 0,
    runState: null as string | null,
    write(bytes: Uint8Array) {
      if (bytes.byteLength === 0) return;
      if (json) chunks.push(bytes);
      else io.stdout.write(bytes);
    },
    note(text: string) {
      if (!json) io.stderr.write(text);
    },
    finish(jobId: number, attempt: number | null) {
      if (!json) return;
      const text = Buffer.concat(chunks).toString('utf8');
      printJson(io, { jobId, attempt, offset: this.offset, runState: this.runState, text });
    },
  };
}

type Sink = ReturnType<typeof createSink>;

/** Reads `attempt`'s log from `offset` to its current end into the sink; returns the run state. */
async function drain(client: Client, jobId: number, attempt: number, offset: number, sink: Sink): Promise<string | null> {
  sink.offset = offset;
  for (;;) {
    const chunk = await client.readLog(jobId, { attempt, offset: sink.offset });
    sink.write(chunk.bytes);
    sink.offset = chunk.offset;
    if (chunk.bytes.byteLength === 0) return chunk.runState;
  }
}

/**
 * Follows the log: a log event is appended when it continues exactly where the output is;
 * anything else (a gap, a new attempt, a reconnect, a quiet poll) reads the log from the
 * current offset. Work is serialized so bytes come out in order and once.
 */
function createTail(client: Client, jobId: number, fixedAttempt: number | null, sink: Sink, now: () => number) {
  let attempt: number | null = fixedAttempt;
  let runId: number | null = null;
  let seenAttempts = -1;
  let lastState = '';
  let lastCatchUp = 0;
  let queue: Promise<void> = Promise.resolve();
  let failure: unknown = null;
  const enqueue = (work: () => Promise<void>) => {
    queue = queue.then(work).catch((error) => {
      failure ??= error;
    });
  };

  /** Picks the run to show: the fixed attempt, or the newest one; announces a switch. */
  const pickRun = async () => {
    const job = await client.getJob(jobId);
    seenAttempts = job.attempts;
    const run = fixedAttempt === null ? job.runs?.[job.runs.length - 1] : job.runs?.find((r) => r.attempt === fixedAttempt);
    if (!run || run.id === runId) return;
    if (runId !== null) sink.note(`\n── attempt ${run.attempt} ──\n`);
    runId = run.id;
    attempt = run.attempt;
    sink.offset = 0;
  };

  /** Reads what is new; looks the run up again when the attempts may have changed. */
  const catchUp = async (attempts?: number) => {
    lastCatchUp = now();
    if (runId === null || attempts === undefined || attempts !== seenAttempts) await pickRun();
    if (attempt !== null && runId !== null) sink.runState = await drain(client, jobId, attempt, sink.offset, sink);
  };

  const onLog = async (event: LogEvent) => {
    if (event.runId !== runId) {
      if (fixedAttempt === null || runId === null) await catchUp();
      return;
    }
    // `offset` is the byte offset after `text` (src/server/log-lines.ts).
    const bytes = Buffer.from(event.text);
    if (event.offset - bytes.byteLength === sink.offset) {
      sink.write(bytes);
      sink.offset = event.offset;
    } else if (event.offset > sink.offset) {
      await catchUp(seenAttempts);
    }
  };

  const ended = (job: ApiJob) =>
    TERMINAL_JOB_STATES.includes(job.state) || (fixedAttempt !== null && job.attempts > fixedAttempt);

  return {
    attempt: () => attempt,
    handlers: {
      onOpen: () => enqueue(() => catchUp()),
      onJob: (job: ApiJob) => {
        if (failure) throw failure;
        if (job.attempts !== seenAttempts || job.state !== lastState || now() - lastCatchUp >= 2000) enqueue(() => catchUp(job.attempts));
        lastState = job.state;
        return ended(job);
      },
      onEvent: (event: ApiEvent) => {
        if (failure) throw failure;
        if (event.type === 'log') enqueue(() => onLog(event.data));
      },
    },
    /** Waits for pending output and a last read; rethrows a failure of the background reads. */
    async settle() {
      enqueue(() => catchUp());
      await queue;
      if (failure) throw failure;
    },
  };
}
