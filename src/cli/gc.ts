/**
 * `trainyard gc`: retention (docs/retention.md). Collect checkpoints by each job's policy, or
 * only show what would go (`--dry-run`), with why each checkpoint goes or stays; show and set
 * the global policy of jobs without their own (`gc policy`, `gc policy set`).
 */
import { Command } from 'commander';
import { describePolicy } from '../core/retention.ts';
import { createRetentionClient, type ApiGcJobReport, type ApiGcReport, type ApiGlobalRetention, type RetentionClient } from '../sdk/retention-client.ts';
import { action, type CliContext, type CommonOptions, configureCommand, createCommand } from './command.ts';
import { serverOptions } from './connect.ts';
import { escapeControlChars, formatBytes, formatRelative, renderTable } from './format.ts';
import { EXIT, type Io, positiveInteger, printJson, UsageError } from './io.ts';

export function gcCommand(ctx: CliContext): Command {
  const gc = createCommand('gc')
    .addHelpCommand(false)
    .summary("delete checkpoints no keep rule keeps and nothing protects; show and set the global policy")
    .description(
      "Collect checkpoints by each job's retention policy (its own `retention:` or `keepCheckpoints`, else the " +
        'global policy, else keep the latest 3). A checkpoint any rule keeps stays; so does one a model version, ' +
        "an alias, an evaluation not finished, a job's resume point or the divergence rollback point needs. " +
        'Prints, per job, what goes (or with --dry-run would go) and why, what stays and why, and the bytes freed. ' +
        'See docs/retention.md.',
    )
    .option('--dry-run', 'show what would go and why; delete nothing')
    .option('--job <id>', 'only this job (default: every job with live checkpoints)')
    .action(action(ctx, async (options: CommonOptions & { dryRun?: boolean; job?: string }) => {
      const report = await client(ctx.io, options).collect({ dryRun: Boolean(options.dryRun), jobId: options.job === undefined ? undefined : positiveInteger(options.job, '--job') });
      if (options.json) printJson(ctx.io, report);
      else ctx.io.stdout.write(renderReport(report));
      return report.failed > 0 ? EXIT.failure : EXIT.ok;
    }));
  const policy = configureCommand(ctx, createCommand('policy')
    .addHelpCommand(false)
    .summary('show the global retention policy (of jobs without their own)')
    .action(action(ctx, async (own: CommonOptions) => {
      const options = { ...inherited(), ...own };
      const global = await client(ctx.io, options).policy();
      if (options.json) printJson(ctx.io, global);
      else ctx.io.stdout.write(renderPolicy(global, ctx.io.now()));
      return EXIT.ok;
    })));
  // `gc` reads its options anywhere on the line (`--json`, `--data-dir` after a subcommand too).
  const inherited = () => gc.opts() as CommonOptions;
  policy.addCommand(configureCommand(ctx, setSub(ctx, () => ({ ...inherited(), ...(policy.opts() as CommonOptions) }))));
  gc.addCommand(policy);
  return gc;
}

function setSub(ctx: CliContext, inherited: () => CommonOptions): Command {
  return createCommand('set')
    .summary('replace the global retention policy (or remove it with --clear)')
    .description(
      'Replaces the global policy with the rules given (rules not given are not kept). It applies to jobs ' +
        'without their own policy at their next checkpoint and at the next `trainyard gc`.',
    )
    .option('--keep-latest <n>', 'keep the newest N checkpoints by step')
    .option('--keep-best <metric:goal:count>', 'keep the best COUNT by METRIC (min or max): a training metric, or SUITE/METRIC, SUITE/score of an evaluation, e.g. heldout/score:max:2')
    .option('--keep-every <n>', 'keep each checkpoint whose step is a multiple of N')
    .option('--clear', 'remove the global policy')
    .action(action(ctx, async (own: CommonOptions & { keepLatest?: string; keepBest?: string; keepEvery?: string; clear?: boolean }) => {
      const options = { ...inherited(), ...own };
      const rules = options.keepLatest !== undefined || options.keepBest !== undefined || options.keepEvery !== undefined;
      if (options.clear && rules) throw new UsageError('--clear removes the policy: give it alone, without --keep-latest, --keep-best or --keep-every');
      if (!options.clear && !rules) throw new UsageError('give at least one of --keep-latest, --keep-best, --keep-every (or --clear)');
      const policy = options.clear ? null : {
        ...(options.keepLatest !== undefined ? { keepLatest: count(options.keepLatest, '--keep-latest') } : {}),
        ...(options.keepBest !== undefined ? { keepBest: parseKeepBest(options.keepBest) } : {}),
        ...(options.keepEvery !== undefined ? { keepEvery: positiveInteger(options.keepEvery, '--keep-every') } : {}),
      };
      const global = await client(ctx.io, options).setPolicy({ policy });
      if (options.json) printJson(ctx.io, global);
      else ctx.io.stdout.write(renderPolicy(global, ctx.io.now()));
      return EXIT.ok;
    }));
}

/** `heldout/score:max:2` → metric, goal, count (the metric may hold ":" itself). */
export function parseKeepBest(text: string): { metric: string; goal: 'min' | 'max'; count: number } {
  const match = /^(.+):(min|max):(\d+)$/.exec(text);
  if (!match) throw new UsageError(`--keep-best must be METRIC:GOAL:COUNT with GOAL min or max, e.g. heldout/score:max:2, not ${JSON.stringify(text)}`);
  return { metric: match[1], goal: match[2] as 'min' | 'max', count: positiveInteger(match[3], 'the COUNT of --keep-best') };
}

function renderPolicy(global: ApiGlobalRetention, now: number): string {
  if (!global.policy) {
    const removed = global.updatedAt !== null ? ` (removed by ${escapeControlChars(global.updatedBy ?? '?')} ${formatRelative(global.updatedAt, now)})` : '';
    return `no global retention policy${removed}: jobs without their own keep their latest keepCheckpoints (default 3)\n`;
  }
  return `global retention policy: ${escapeControlChars(describePolicy(global.policy))}\nset by ${escapeControlChars(global.updatedBy ?? '?')} ${formatRelative(global.updatedAt, now)}\n`;
}

/** Per job: a header, then each checkpoint with what happens to it and why; then the totals. */
export function renderReport(report: ApiGcReport): string {
  if (report.jobs.length === 0) return 'no live checkpoints\n';
  const verb = report.dryRun ? 'would delete' : 'delete';
  const parts = report.jobs.map((job) => `${renderJobHeader(job)}\n${renderTable(
    [{ header: 'ACTION' }, { header: 'CKPT', align: 'right' }, { header: 'STEP', align: 'right' }, { header: 'SIZE', align: 'right' }, { header: 'WHY', max: 160 }],
    [
      ...job.removed.map((r) => [verb, String(r.checkpointId), String(r.step), formatBytes(r.bytes), r.note ? `${r.reason} (${r.note})` : r.reason]),
      ...job.failed.map((f) => ['failed', String(f.checkpointId), String(f.step), '-', f.error]),
      ...job.kept.map((k) => [k.protected ? 'keep (protected)' : 'keep', String(k.checkpointId), String(k.step), formatBytes(k.bytes), k.reasons.join('; ') + (k.fileMissing ? ' (its file is missing)' : '')]),
    ],
  )}`);
  const n = report.removed;
  const summary = report.dryRun
    ? `dry run: would delete ${n} checkpoint${n === 1 ? '' : 's'} and free ${formatBytes(report.bytesFreed)}; nothing was deleted`
    : `deleted ${n} checkpoint${n === 1 ? '' : 's'}, freed ${formatBytes(report.bytesFreed)}${report.failed > 0 ? `; ${report.failed} could not be deleted (see above)` : ''}`;
  return `${parts.join('\n')}\n${summary}\n`;
}

function renderJobHeader(job: ApiGcJobReport): string {
  const source = { job: "the job's own", global: 'the global policy', default: 'the default' }[job.policySource];
  return `job ${job.jobId} ${escapeControlChars(job.name)} (${job.state}) · ${escapeControlChars(describePolicy(job.policy))} (${source})`;
}

function client(io: Io, options: CommonOptions): RetentionClient {
  return createRetentionClient(serverOptions(io, options));
}


function count(text: string, what: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`${what} must be a whole number >= 0, not ${JSON.stringify(text)}`);
  return Number(text);
}

