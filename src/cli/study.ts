/**
 * `trainyard study submit|ls|show|pause|resume|stop|finish|widen|report`: studies (docs/studies.md). A study file is
 * validated here (errors at their line) and sent as one submission; `--dry-run` prints every
 * variant and the ASHA rung plan, launching nothing.
 */
import { Command } from 'commander';
import { ApiError } from '../sdk/client.ts';
import { createStudiesClient, type DryRunView, type StudySummary, type StudyView } from '../sdk/studies-client.ts';
import { action, type CliContext, type CommonOptions, configureCommand, createCommand } from './command.ts';
import { serverOptions } from './connect.ts';
import { escapeControlChars, formatRelative, renderFields, renderTable } from './format.ts';
import { EXIT, positiveInteger, printJson, UsageError } from './io.ts';
import { reportSub } from './study-report.ts';

export function studyCommand(ctx: CliContext): Command {
  const study = new Command('study')
    .summary('submit, list, show, pause, resume, stop and widen studies (sweeps of one job template)')
    .description(
      'A study is a named set of variants of one job template (docs/studies.md): params with typed domains, ' +
        'searched by grid, random (count, seed) or list, repeated over seeds, under an exact cap (maxRuns) and a ' +
        'parallelism cap. Its trials are ordinary jobs tagged study:NAME; early stopping stops losers; a circuit ' +
        'breaker pauses the study after N consecutive failures of one kind.',
    );
  for (const sub of [submitSub(ctx), lsSub(ctx), showSub(ctx), verbSub(ctx, 'pause'), verbSub(ctx, 'resume'), verbSub(ctx, 'stop'), verbSub(ctx, 'finish'), widenSub(ctx), reportSub(ctx)]) study.addCommand(configureCommand(ctx, sub));
  return study;
}

const client = (ctx: CliContext, options: CommonOptions) => createStudiesClient(serverOptions(ctx.io, options));

function submitSub(ctx: CliContext): Command {
  return createCommand('submit')
    .summary('submit a study file (or, with --dry-run, print every variant and the rung plan)')
    .argument('<file>', 'study file (.yaml, .yml or .json)')
    .option('--dry-run', 'validate and print every variant (and the ASHA rung plan); launch nothing')
    .addHelpText('after', '\nExamples:\n  trainyard study submit study.yaml --dry-run\n  trainyard study submit study.yaml\n  trainyard study show lr-sweep')
    .action(action(ctx, async (file: string, options: CommonOptions & { dryRun?: boolean }) => {
      const { loadStudyFile } = await import('./study-file.ts'); // yaml and zod load only here
      const loaded = loadStudyFile(file, ctx.io.cwd);
      const api = client(ctx, options);
      let answer: StudyView | DryRunView;
      try {
        answer = options.dryRun ? await api.dryRun(loaded.spec) : await api.submit(loaded.spec);
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 400) throw error;
        throw loaded.problem(error.field, error.message);
      }
      if (options.json) printJson(ctx.io, answer);
      else if ('dryRun' in answer) ctx.io.stdout.write(renderDryRun(answer));
      else if (answer.search === 'external') ctx.io.stdout.write(`submitted study ${escapeControlChars(answer.name)}: waiting for a searcher to ask for trials (up to ${answer.maxRuns}, ${answer.parallelism} at a time; docs/studies.md, Adaptive search with Optuna)\n  trainyard study show ${escapeControlChars(answer.name)}\n`);
      else ctx.io.stdout.write(`submitted study ${escapeControlChars(answer.name)}: ${answer.trialCount} trials, ${answer.parallelism} at a time\n  trainyard study show ${escapeControlChars(answer.name)}   trainyard ls --tag study:${escapeControlChars(answer.name)}\n`);
      return EXIT.ok;
    }));
}

function lsSub(ctx: CliContext): Command {
  return createCommand('ls')
    .summary('list the studies, newest first')
    .action(action(ctx, async (options: CommonOptions) => {
      const studies = await client(ctx, options).list();
      if (options.json) printJson(ctx.io, { studies });
      else ctx.io.stdout.write(studies.length === 0 ? 'no studies (trainyard study submit FILE)\n' : renderStudies(studies, ctx.io.now()));
      return EXIT.ok;
    }));
}

function showSub(ctx: CliContext): Command {
  return createCommand('show')
    .summary('show a study: its state, counts, best trial and every trial with its decision')
    .argument('<name>', 'study name')
    .action(action(ctx, async (name: string, options: CommonOptions) => {
      const study = await client(ctx, options).get(name);
      if (options.json) printJson(ctx.io, study);
      else ctx.io.stdout.write(renderStudy(study, ctx.io.now()));
      return EXIT.ok;
    }));
}

function verbSub(ctx: CliContext, verb: 'pause' | 'resume' | 'stop' | 'finish'): Command {
  const summaries = {
    pause: 'pause a study: nothing more launches, its open trials are paused',
    resume: 'resume a paused study (the circuit breaker counts afresh)',
    stop: 'stop a study for good: its open trials are stopped',
    finish: 'complete a study with search: external once its searcher is done (no trial open)',
  };
  return createCommand(verb)
    .summary(summaries[verb])
    .argument('<name>', 'study name')
    .action(action(ctx, async (name: string, options: CommonOptions) => {
      const study = await client(ctx, options)[verb](name);
      if (options.json) printJson(ctx.io, study);
      else ctx.io.stdout.write(`study ${escapeControlChars(study.name)}: ${study.state}${study.reason ? ` (${escapeControlChars(study.reason)})` : ''}\n`);
      return EXIT.ok;
    }));
}

function widenSub(ctx: CliContext): Command {
  return createCommand('widen')
    .summary('give a study more budget: a larger --max-runs, and/or --resume-paused for the trials ASHA paused that rank in now')
    .argument('<name>', 'study name')
    .option('--max-runs <n>', 'the new exact cap on its trials (at least the trials made and its maxRuns): a random search draws more variants, an external searcher may ask for more')
    .option('--resume-paused', 'resume the trials ASHA paused (action: pause) that now rank among the best at their rung, up to the free parallelism slots')
    .addHelpText('after', [
      '',
      'A completed study reopens; a stopped one does not. A grid or list study has every variant as a trial',
      'already: only --resume-paused widens it. Lowering maxRuns is refused.',
      '',
      'Examples:',
      '  trainyard study widen lr-sweep --max-runs 80',
      '  trainyard study widen lr-sweep --resume-paused',
    ].join('\n'))
    .action(action(ctx, async (name: string, options: CommonOptions & { maxRuns?: string; resumePaused?: boolean }) => {
      if (options.maxRuns === undefined && !options.resumePaused) throw new UsageError('study widen: give --max-runs N, --resume-paused, or both');
      const maxRuns = options.maxRuns === undefined ? {} : { maxRuns: positiveInteger(options.maxRuns, '--max-runs') };
      const answer = await client(ctx, options).widen(name, { ...maxRuns, ...(options.resumePaused ? { resumePaused: true } : {}) });
      if (options.json) {
        printJson(ctx.io, answer);
        return EXIT.ok;
      }
      const s = answer.study;
      const lines = [`study ${escapeControlChars(s.name)}: ${s.state}${answer.reopened ? ' (reopened)' : ''}, maxRuns ${s.maxRuns}, ${s.trialCount} trials (${answer.added} added)`];
      for (const r of answer.resumed) lines.push(`  resumed trial ${r.index}: ${escapeControlChars(r.reason)}`);
      for (const h of answer.held) lines.push(`  held trial ${h.index}: ${escapeControlChars(h.reason)}`);
      ctx.io.stdout.write(`${lines.join('\n')}\n`);
      return EXIT.ok;
    }));
}

function counts(s: StudySummary): string {
  const c = s.counts;
  return `${c.succeeded} ok, ${c.failed} failed, ${c.stopped} stopped, ${c.active} open, ${c.pending} pending`;
}

function renderStudies(studies: readonly StudySummary[], now: number): string {
  return renderTable(
    [{ header: 'NAME', max: 40 }, { header: 'STATE' }, { header: 'TRIALS', align: 'right' }, { header: 'PROGRESS' }, { header: 'CREATED' }],
    studies.map((s) => [s.name, s.state, String(s.trialCount), counts(s), formatRelative(s.createdAt, now)]),
  );
}

function params(p: Readonly<Record<string, unknown>>): string {
  return Object.entries(p).map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(4)) : JSON.stringify(v)}`).join(' ');
}

function renderStudy(study: StudyView, now: number): string {
  const head = renderFields([
    ['study', study.name],
    ['state', `${study.state}${study.reason ? ` (${study.reason})` : ''}`],
    ['trials', `${study.trialCount}${study.search === 'external' ? ` asked of maxRuns ${study.maxRuns}` : ''} (${counts(study)}), ${study.parallelism} at a time`],
    ['search', study.search],
    ['objective', study.objective ? `${study.objective.metric} (${study.objective.mode})` : '-'],
    ['best', study.best ? `trial ${study.best.index} (job ${study.best.jobId}): ${study.best.value}` : '-'],
    ['rungs', study.rungs ? study.rungs.join(', ') : '-'],
    ['created', formatRelative(study.createdAt, now)],
  ]);
  const table = renderTable(
    [{ header: '#', align: 'right' }, { header: 'JOB', align: 'right' }, { header: 'STATE' }, { header: 'PARAMS', max: 50 }, { header: 'OBJECTIVE', align: 'right' }, { header: 'DECISION', max: 60 }],
    study.trials.map((t) => [
      String(t.index), t.jobId === null ? '-' : String(t.jobId), t.outcome && t.state === 'failed' ? `failed (${t.outcome.kind})` : t.state,
      params(t.params), t.objective?.value === null || t.objective === null ? '-' : `${Number(t.objective.value.toPrecision(6))} @${t.objective.step}`,
      t.decision ? `${t.decision.action}: ${t.decision.reason}` : '-',
    ]),
  );
  return `${head}\n${table}`;
}

function renderDryRun(dry: DryRunView): string {
  const head = renderFields([
    ['study', `${dry.name} (dry run: nothing launched)`],
    ['trials', `${dry.size}; maxRuns ${dry.maxRuns}; ${dry.parallelism} at a time`],
    ['rungs', dry.rungs ? `${dry.rungs.join(', ')} (ASHA: trials below the cutoff at a rung stop)` : '-'],
  ]);
  const table = renderTable(
    [{ header: '#', align: 'right' }, { header: 'PARAMS', max: 100 }],
    dry.variants.map((v) => [String(v.index), params(v.params)]),
  );
  return `${head}\n${table}`;
}
