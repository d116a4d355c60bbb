/** `trainyard ls`, `show ID` and `stop ID [--wait]`. */
import type { Command } from 'commander';
import { describePolicy } from '../core/retention.ts';
import { TERMINAL_JOB_STATES } from '../core/types.ts';
import type { ApiJob, ApiRun, JobDetail } from '../sdk/client.ts';
import { action, collect, createCommand, type CliContext, type CommonOptions } from './command.ts';
import { connect } from './connect.ts';
import { escapeControlChars, formatBytes, formatDuration, formatRelative, formatThousands, formatValue, renderFields, renderTable } from './format.ts';
import { EXIT, printJson } from './io.ts';
import { formatRate } from './progress.ts';
import { parseCount, parseJobId } from './spec-args.ts';
import { interruptController, watchJob } from './watch.ts';

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_JOB_STATES);

export function lsCommand(ctx: CliContext): Command {
  return createCommand('ls')
    .summary('list jobs, newest first')
    .description('List jobs, newest first.')
    .option('--state <states>', 'only jobs in these states, comma-separated (e.g. running,queued; repeatable)', collect)
    .option('--tag <tags>', 'only jobs carrying every one of these tags, comma-separated (repeatable)', collect)
    .option('--name <prefix>', 'only jobs whose name starts with this (case-sensitive)')
    .option('--limit <n>', 'at most this many jobs (default: 100)')
    .action(
      action(ctx, async (options: CommonOptions & { state?: string[]; tag?: string[]; name?: string; limit?: string }) => {
        const list = (values: string[] | undefined) => (values ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
        const limit = options.limit === undefined ? undefined : parseCount(options.limit, '--limit');
        const jobs = await connect(ctx.io, options).listJobs({ states: list(options.state), tags: list(options.tag), namePrefix: options.name, limit });
        if (options.json) printJson(ctx.io, { jobs });
        else ctx.io.stdout.write(renderJobTable(jobs, ctx.io.now()));
        return EXIT.ok;
      }),
    );
}

/** The `ls` table. */
export function renderJobTable(jobs: readonly ApiJob[], now: number): string {
  if (jobs.length === 0) return 'no jobs (submit one with `trainyard submit`)\n';
  return renderTable(
    [
      { header: 'ID', align: 'right' },
      { header: 'NAME', max: 28 },
      { header: 'STATE' },
      { header: 'PRIORITY' },
      { header: 'PROGRESS', align: 'right' },
      { header: 'ETA', align: 'right' },
      { header: 'ATTEMPTS', align: 'right' },
      { header: 'CREATED' },
      { header: 'DURATION', align: 'right' },
      { header: 'OUTCOME', max: 40 },
      { header: 'MESSAGE', max: 40 },
    ],
    jobs.map((job) => [
      String(job.id),
      job.name ?? job.spec.name,
      job.state,
      priorityText(job),
      progressText(job),
      job.state === 'running' && job.progress.etaSeconds !== null ? formatDuration(job.progress.etaSeconds * 1000) : '-',
      String(job.attempts),
      formatRelative(job.createdAt, now),
      jobDuration(job, now),
      outcomeText(job, now),
      job.progress.message ?? '',
    ]),
  );
}

/** "high", "normal:5". */
export function priorityText(job: ApiJob): string {
  const p = job.priority;
  if (!p) return 'normal';
  return p.value ? `${p.class}:${p.value}` : p.class;
}

/** "1,200/5,000 24%", "step 1,200", or "-". */
export function progressText(job: ApiJob): string {
  const { step, total } = job.progress;
  if (step === null) return '-';
  if (!total) return `step ${formatThousands(step)}`;
  return `${formatThousands(step)}/${formatThousands(total)} ${Math.floor(Math.min(100, (step / total) * 100))}%`;
}

function jobDuration(job: ApiJob, now: number): string {
  if (job.startedAt === null) return '-';
  return formatDuration((job.endedAt ?? now) - job.startedAt);
}

function outcomeText(job: ApiJob, now: number): string {
  if (job.state === 'queued' && job.notBefore !== null && job.notBefore > now) return `retry ${formatRelative(job.notBefore, now)}`;
  if (!job.outcome || job.state === 'running') return '';
  return job.outcome.detail || job.outcome.kind;
}

export function showCommand(ctx: CliContext): Command {
  return createCommand('show')
    .summary('show a job: spec, progress, metrics, runs')
    .description('Show one job: its spec, state, progress, latest metrics and runs (attempts).')
    .argument('<id>', 'job id')
    .action(
      action(ctx, async (id: string, options: CommonOptions) => {
        const jobId = parseJobId(id);
        const job = await connect(ctx.io, options).getJob(jobId);
        if (options.json) printJson(ctx.io, job);
        else ctx.io.stdout.write(renderJobDetail(job, ctx.io.now()));
        return EXIT.ok;
      }),
    );
}

/** `model:chat@production → checkpoint 345 (job 12, step 2000, chat v3)`: declared, then resolved. */
export function fromText(declared: NonNullable<JobDetail['spec']['from']>, resolved: JobDetail['initFrom']): string {
  const text = typeof declared === 'string' ? declared
    : 'checkpoint' in declared ? `checkpoint:${declared.checkpoint}`
    : `job:${declared.job}${declared.pick === 'best' ? `:best (${declared.metric ?? 'loss'}, ${declared.goal ?? 'min'})` : ''}`;
  if (resolved === null) return escapeControlChars(text);
  const model = resolved.model ? `, ${resolved.model.name} v${resolved.model.version}` : '';
  return `${escapeControlChars(text)} → checkpoint ${resolved.checkpointId} (job ${resolved.jobId}, step ${formatThousands(resolved.step)}${model})`;
}

/** The `show` text. */
export function renderJobDetail(job: JobDetail, now: number): string {
  const spec = job.spec;
  const command = spec.shell ? `/bin/sh -c ${JSON.stringify(spec.command[0])}` : spec.command.map(quoteArg).join(' ');
  const { rate, etaSeconds } = job.progress;
  const progress = [progressText(job), rate ? `${formatRate(rate)} steps/s` : '', etaSeconds !== null && job.state === 'running' ? `ETA ${formatDuration(etaSeconds * 1000)}` : '']
    .filter(Boolean)
    .join(' · ');
  const fields: [string, string][] = [
    ['state', job.state + (job.stopReason && !TERMINAL.has(job.state) ? ` (${job.stopReason} requested)` : '')],
    ['priority', `${priorityText(job)}${spec.preemptible ? ', preemptible' : ''}${spec.after?.length ? `, after job ${spec.after.join(', ')}` : ''}`],
    ['command', command],
    ['cwd', spec.cwd],
    ...(spec.from !== undefined ? [['from', fromText(spec.from, job.initFrom)] as [string, string]] : []),
    ...(spec.datasets && Object.keys(spec.datasets).length
      ? [['datasets', Object.entries(spec.datasets).map(([role, ref]) => `${role}: ${ref}`).join(', ')] as [string, string]]
      : []),
    ['resources', `${spec.resources.gpus} GPU${spec.resources.gpus === 1 ? '' : 's'}, ${spec.resources.cpus} CPU slot${spec.resources.cpus === 1 ? '' : 's'}`],
    ['created', `${formatRelative(job.createdAt, now)} (${new Date(job.createdAt).toISOString()})`],
  ];
  if (job.startedAt !== null) fields.push(['started', formatRelative(job.startedAt, now)]);
  if (job.endedAt !== null) fields.push(['ended', formatRelative(job.endedAt, now)]);
  if (job.startedAt !== null) fields.push(['duration', jobDuration(job, now)]);
  fields.push(['progress', progress]);
  if (job.progress.message) fields.push(['message', job.progress.message]);
  const live = job.runs?.at(-1);
  if (live?.executorState && live.handle) {
    const { state, reason } = live.executorState;
    fields.push([live.handle.executor, `job ${live.handle.externalId} ${state}${reason ? ` (${reason})` : ''}`]);
  }
  fields.push(['attempts', `${job.attempts} (max retries ${spec.maxRetries})`]);
  if (job.outcome) fields.push(['outcome', `${job.outcome.kind}${job.outcome.detail ? `: ${job.outcome.detail}` : ''}${job.state === 'failed' && !job.outcome.retryable ? ' (not retryable)' : ''}`]);
  if (job.state === 'queued' && job.notBefore !== null && job.notBefore > now) fields.push(['next try', formatRelative(job.notBefore, now)]);
  const params = Object.entries(spec.params);
  if (params.length > 0) fields.push(['params', paramsText(spec.params)]);
  if (job.paramsOverride && Object.keys(job.paramsOverride).length > 0) fields.push(['next params', `${paramsText(job.paramsOverride)} (over params, by a retry)`]);
  if (spec.remedies?.cudaOom) fields.push(['remedies', cudaOomText(spec.remedies.cudaOom)]);
  if (spec.stopWhen) fields.push(['stop when', `${spec.stopWhen.metric} ${spec.stopWhen.below !== undefined ? `< ${spec.stopWhen.below}` : `> ${spec.stopWhen.above}`} (the job then succeeds)`]);
  const env = Object.keys(spec.env);
  if (env.length > 0) fields.push(['env', env.join(' ')]);
  if (spec.tags.length > 0) fields.push(['tags', spec.tags.join(', ')]);
  const keep = spec.retention ? describePolicy(spec.retention) : `the global policy, else latest ${spec.keepCheckpoints}`;
  fields.push(['checkpoints', `keep ${keep} · stop grace ${spec.stopGraceSeconds}s`]);

  let text = `job ${job.id}: ${escapeControlChars(job.name ?? spec.name)}\n${renderFields(fields)}`;
  const keys = Object.keys(job.latest ?? {}).sort();
  if (keys.length > 0) {
    text += `\nlatest metrics\n${renderTable(
      [{ header: 'KEY' }, { header: 'STEP', align: 'right' }, { header: 'VALUE', align: 'right' }],
      keys.map((k) => [k, formatThousands(job.latest[k].step), formatValue(job.latest[k].value)]),
    )}`;
  }
  if (job.runs?.length) text += `\nruns\n${renderRunTable(job.runs, spec.params, now)}`;
  return text;
}

function paramsText(params: Readonly<Record<string, unknown>>): string {
  return Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
}

/** "on cuda-oom: batch_size ×0.5 (min 1, rounded), grad_accum ×2 (max 64); at most 3 times". */
function cudaOomText(remedy: NonNullable<NonNullable<JobDetail['spec']['remedies']>['cudaOom']>): string {
  const ops = Object.entries(remedy.patch).map(([key, op]) => {
    const how = op.multiply !== undefined ? `×${op.multiply}` : `${(op.add ?? 0) >= 0 ? '+' : ''}${op.add}`;
    const limits = [op.min !== undefined ? `min ${op.min}` : '', op.max !== undefined ? `max ${op.max}` : '', op.round ? 'rounded' : ''].filter(Boolean);
    return `${key} ${how}${limits.length ? ` (${limits.join(', ')})` : ''}`;
  });
  return `on cuda-oom retry with ${ops.join(', ')}; at most ${remedy.maxTimes} time${remedy.maxTimes === 1 ? '' : 's'}`;
}

/** A run's params that differ from the spec's ("batch_size=8 grad_accum=4"), "-" when none do. */
function runParamsText(run: ApiRun, specParams: Readonly<Record<string, unknown>>): string {
  if (!run.params) return '-';
  const changed = Object.entries(run.params).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(specParams[k]));
  return changed.length ? paramsText(Object.fromEntries(changed)) : '-';
}

function renderRunTable(runs: readonly ApiRun[], specParams: Readonly<Record<string, unknown>>, now: number): string {
  // Columns that say something only for some jobs are shown only where a run has a value.
  const params = runs.map((run) => runParamsText(run, specParams));
  const showParams = params.some((p) => p !== '-');
  const showGpuMemory = runs.some((run) => run.peakGpuMemoryMiB !== null);
  return renderTable(
    [
      { header: 'ATTEMPT', align: 'right' },
      { header: 'RUN', align: 'right' },
      { header: 'STATE' },
      { header: 'STARTED' },
      { header: 'DURATION', align: 'right' },
      { header: 'PID', align: 'right' },
      { header: 'OUTCOME', max: 50 },
      { header: 'RESUMED FROM' },
      ...(showParams ? [{ header: 'PARAMS (CHANGED)', max: 60 }] : []),
      ...(showGpuMemory ? [{ header: 'PEAK GPU MEM', align: 'right' as const }] : []),
    ],
    runs.map((run, i) => [
      String(run.attempt),
      String(run.id),
      run.state,
      formatRelative(run.startedAt, now),
      formatDuration((run.endedAt ?? now) - run.startedAt),
      run.pid === null ? '-' : String(run.pid),
      run.outcome ? run.outcome.detail || run.outcome.kind : '',
      run.resumeStep === null ? '-' : `step ${formatThousands(run.resumeStep)}`,
      ...(showParams ? [params[i]] : []),
      ...(showGpuMemory ? [run.peakGpuMemoryMiB === null ? '-' : formatBytes(run.peakGpuMemoryMiB * 1024 * 1024)] : []),
    ]),
  );
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function stopCommand(ctx: CliContext): Command {
  return createCommand('stop')
    .summary('stop a job (SIGTERM, then SIGKILL after a grace)')
    .description(
      'Stop a job: a queued job is stopped at once; a running one gets SIGTERM (it should checkpoint ' +
        'and exit) and SIGKILL after its stop grace period.',
    )
    .argument('<id>', 'job id')
    .option('--wait', 'wait until the job has stopped')
    .action(
      action(ctx, async (id: string, options: CommonOptions & { wait?: boolean }) => {
        const jobId = parseJobId(id);
        const client = connect(ctx.io, options);
        let job: ApiJob = await client.stopJob(jobId);
        if (options.wait && !TERMINAL.has(job.state)) {
          if (!options.json) ctx.io.stderr.write(`job ${jobId} ${job.state}: waiting (up to its ${job.spec.stopGraceSeconds}s grace period)…\n`);
          const interrupt = interruptController(ctx.io.onInterrupt);
          try {
            const onJob = (next: ApiJob) => {
              job = next;
              return TERMINAL.has(next.state);
            };
            await watchJob(client, jobId, { onJob }, { signal: interrupt.signal, pollMs: 1000 });
          } finally {
            interrupt.dispose();
          }
          if (interrupt.interrupted()) {
            ctx.io.stderr.write(`stopped waiting; job ${jobId} is ${job.state}\n`);
            return EXIT.interrupted;
          }
        }
        if (options.json) printJson(ctx.io, job);
        else if (job.state === 'stopping') ctx.io.stdout.write(`job ${jobId} stopping: SIGTERM sent, SIGKILL in ${job.spec.stopGraceSeconds}s if it has not exited\n`);
        else ctx.io.stdout.write(`job ${jobId} ${job.state}\n`);
        return EXIT.ok;
      }),
    );
}
