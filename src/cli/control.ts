/** `pause`, `resume`, `priority` and `move`: steering queued and running jobs. */
import type { Command } from 'commander';
import type { ApiJob } from '../sdk/client.ts';
import { action, createCommand, type CliContext, type CommonOptions } from './command.ts';
import { connect } from './connect.ts';
import { EXIT, printJson } from './io.ts';
import { parseJobId, parsePriority } from './spec-args.ts';

function report(ctx: CliContext, options: CommonOptions, job: ApiJob, text: string): number {
  if (options.json) printJson(ctx.io, job);
  else ctx.io.stdout.write(`${text}\n`);
  return EXIT.ok;
}

export function pauseCommand(ctx: CliContext): Command {
  return createCommand('pause')
    .summary('pause a job: it checkpoints and exits, freeing its slots')
    .description(
      'Pause a job: a running one gets SIGTERM (it should checkpoint and exit; SIGKILL after its grace ' +
        'period) and becomes paused, freeing its slots; a queued one is held. `resume` queues it again.',
    )
    .argument('<id>', 'job id')
    .action(action(ctx, async (id: string, options: CommonOptions) => {
      const job = await connect(ctx.io, options).pauseJob(parseJobId(id));
      return report(ctx, options, job, `job ${job.id} ${job.state}`);
    }));
}

export function resumeCommand(ctx: CliContext): Command {
  return createCommand('resume')
    .summary('queue a paused job again (it resumes from its latest checkpoint)')
    .argument('<id>', 'job id')
    .action(action(ctx, async (id: string, options: CommonOptions) => {
      const job = await connect(ctx.io, options).resumeJob(parseJobId(id));
      return report(ctx, options, job, `job ${job.id} ${job.state}`);
    }));
}

export function priorityCommand(ctx: CliContext): Command {
  return createCommand('priority')
    .summary("change a job's priority: high, normal, low, or a number")
    .description(
      'Change a job\'s priority. Classes order first (high > normal > low), then the number (higher ' +
        'first; a bare number sets it within normal), then submission order. `high:5` sets both.',
    )
    .argument('<id>', 'job id')
    .argument('<priority>', 'high | normal | low | N | CLASS:N')
    .action(action(ctx, async (id: string, priority: string, options: CommonOptions) => {
      const job = await connect(ctx.io, options).setPriority(parseJobId(id), parsePriority(priority));
      const p = job.priority;
      return report(ctx, options, job, `job ${job.id} priority ${p.class}${p.value ? `:${p.value}` : ''}`);
    }));
}

export function moveCommand(ctx: CliContext): Command {
  return createCommand('move')
    .summary('move a queued job to the front of its priority')
    .argument('<id>', 'job id')
    .requiredOption('--front', 'ahead of every other queued job of its priority')
    .action(action(ctx, async (id: string, options: CommonOptions) => {
      const job = await connect(ctx.io, options).moveToFront(parseJobId(id));
      return report(ctx, options, job, `job ${job.id} moved to the front`);
    }));
}
