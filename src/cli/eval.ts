/**
 * `trainyard eval …`: eval suites (add, ls, show), evaluations by hand (run), leaderboards
 * (ls), one evaluation's verdict and diff (show), and "promote anyway" (override).
 */
import { Command } from 'commander';
import { ApiError } from '../sdk/client.ts';
import { createEvaluationClient, type ApiEvalSuite, type ApiEvaluation, type EvaluationClient, type Leaderboard, type MetricDiff } from '../sdk/evaluation-client.ts';
import { action, type CliContext, type CommonOptions, configureCommand, createCommand } from './command.ts';
import { serverOptions } from './connect.ts';
import { escapeControlChars, formatRelative, formatThousands, formatValue, renderFields, renderTable } from './format.ts';
import { EXIT, FileError, type Io, positiveInteger, printJson, stripFieldPrefix, UsageError } from './io.ts';

export function evalCommand(ctx: CliContext): Command {
  const evaluation = new Command('eval')
    .addHelpCommand(false)
    .summary('eval suites, evaluations of checkpoints, leaderboards')
    .description(
      'Evaluation: a suite (a command in any language, the dataset versions it reads, its metrics with ' +
        'thresholds and weights, a baseline) runs on every checkpoint a job registers when the job names it ' +
        '(evaluate: [suite] in its spec), each as its own low-priority job. Each evaluation ends with a ' +
        'verdict (pass, fail, no-baseline), a per-metric diff against the baseline, a composite score and the ' +
        'regression alarm. See docs/evaluation.md.',
    );
  const suite = new Command('suite').addHelpCommand(false).summary('add, list and show eval suites');
  for (const sub of [suiteAddSub(ctx), suiteLsSub(ctx), suiteShowSub(ctx)]) suite.addCommand(configureCommand(ctx, sub));
  evaluation.addCommand(configureCommand(ctx, suite));
  for (const sub of [runSub(ctx), lsSub(ctx), showSub(ctx), overrideSub(ctx)]) evaluation.addCommand(configureCommand(ctx, sub));
  return evaluation;
}


/** A number for people ("0.5312"); "-" for none (formatValue would print NaN). */
function fmt(v: number | null | undefined): string {
  return v === null || v === undefined ? '-' : formatValue(v);
}

function client(io: Io, options: { dataDir?: string }): EvaluationClient {
  return createEvaluationClient(serverOptions(io, options));
}


function suiteAddSub(ctx: CliContext): Command {
  return createCommand('add')
    .summary('add an eval suite from a YAML or JSON file')
    .description(
      'Save an eval suite from a file: name, command (argv or a shell string), cwd (relative to the file; ' +
        "default: the file's directory), env, datasets (role: name@version, pinned when saved), resources, " +
        'timeLimitSeconds, maxRetries, metrics (name, goal min|max, value {lower, upper}, change {absolute, ' +
        'relative}, weight), baseline ({label, values} or {label, model}), regression {tolerance}. The same ' +
        'definition again is a no-op; a changed one needs --replace and becomes the next version.',
    )
    .argument('<file>', 'suite file (.yaml, .yml or .json)')
    .option('--replace', 'save a changed definition as the next version')
    .addHelpText('after', '\nExample:\n  trainyard eval suite add heldout.yaml\n  trainyard submit job.yaml   # with evaluate: [heldout]')
    .action(action(ctx, async (file: string, options: CommonOptions & { replace?: boolean }) => {
      const { loadJobFile } = await import('./job-file.ts'); // yaml loads only here
      const loaded = loadJobFile(file, ctx.io.cwd, { holds: 'an eval suite file holds a mapping (name, command, metrics, …)' });
      let saved;
      try {
        saved = await client(ctx.io, options).saveSuite(loaded.spec as never, { replace: options.replace });
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 400) throw error;
        const at = error.field ? loaded.locate(error.field) : null;
        throw new FileError(file, at?.line ?? null, at?.column ?? null, `${error.field ? `${error.field}: ` : ''}${stripFieldPrefix(error.message, error.field)}`, error.field);
      }
      if (options.json) printJson(ctx.io, saved);
      else {
        const s = saved.suite;
        const what = saved.created ? `saved eval suite ${s.name} version ${s.version}` : `eval suite ${s.name} is unchanged (version ${s.version})`;
        ctx.io.stdout.write(`${escapeControlChars(what)}: ${describeSuite(s)}\n  a job asks for it with evaluate: [${escapeControlChars(s.name)}]\n`);
      }
      return EXIT.ok;
    }));
}

function describeSuite(s: ApiEvalSuite): string {
  const metrics = s.metrics.map((m) => `${m.name} (${m.goal})`).join(', ');
  const baseline = s.baseline ? `baseline ${s.baseline.label}` : 'no baseline';
  return `${metrics}; ${baseline}`;
}

function suiteLsSub(ctx: CliContext): Command {
  return createCommand('ls')
    .summary('list eval suites')
    .action(action(ctx, async (options: CommonOptions) => {
      const suites = await client(ctx.io, options).suites();
      if (options.json) printJson(ctx.io, { suites });
      else if (suites.length === 0) ctx.io.stdout.write('no eval suites: add one with trainyard eval suite add FILE\n');
      else {
        ctx.io.stdout.write(renderTable(
          [{ header: 'NAME' }, { header: 'VERSION', align: 'right' }, { header: 'METRICS', max: 50 }, { header: 'BASELINE', max: 30 }, { header: 'COMMAND', max: 50 }],
          suites.map((s) => [s.name, String(s.version), s.metrics.map((m) => `${m.name} ${m.goal}${m.weight !== undefined ? ` ×${m.weight}` : ''}`).join(', '), s.baseline?.label ?? '-', s.command.join(' ')]),
        ));
      }
      return EXIT.ok;
    }));
}

function suiteShowSub(ctx: CliContext): Command {
  return createCommand('show')
    .summary('show an eval suite')
    .argument('<name>', 'suite name')
    .option('--version <n>', 'this version (default: the latest)')
    .action(action(ctx, async (name: string, options: CommonOptions & { version?: string }) => {
      const s = await client(ctx.io, options).suite(name, options.version === undefined ? undefined : positiveInteger(options.version, '--version'));
      if (options.json) printJson(ctx.io, s);
      else {
        ctx.io.stdout.write(renderFields([
          ['suite', `${s.name} (version ${s.version})`],
          ['command', s.command.join(' ')],
          ['cwd', s.cwd],
          ['datasets', Object.entries(s.datasets ?? {}).map(([role, ref]) => `${role}: ${ref}`).join(', ') || '-'],
          ['baseline', s.baseline ? `${s.baseline.label}: ${s.baseline.values ? Object.entries(s.baseline.values).map(([k, v]) => `${k} ${fmt(v)}`).join(' · ') : s.baseline.model}` : '-'],
          ['regression', `alarm at ${fmt(s.regression.tolerance * 100)} % worse than the best earlier evaluation`],
        ]));
        ctx.io.stdout.write(`\n${renderTable(
          [{ header: 'METRIC' }, { header: 'GOAL' }, { header: 'VALUE BOUNDS' }, { header: 'CHANGE BOUNDS' }, { header: 'WEIGHT', align: 'right' }],
          s.metrics.map((m) => [m.name, m.goal, bounds(m.value), changeBounds(m.change), m.weight === undefined ? '-' : fmt(m.weight)]),
        )}`);
      }
      return EXIT.ok;
    }));
}

function bounds(v: { lower?: number; upper?: number } | undefined): string {
  if (!v) return '-';
  return [v.lower !== undefined ? `≥ ${fmt(v.lower)}` : '', v.upper !== undefined ? `≤ ${fmt(v.upper)}` : ''].filter(Boolean).join(', ');
}

function changeBounds(c: { absolute?: number; relative?: number } | undefined): string {
  if (!c) return '-';
  return [c.absolute !== undefined ? `abs ${signed(c.absolute)}` : '', c.relative !== undefined ? `rel ${signed(c.relative * 100)} %` : ''].filter(Boolean).join(', ');
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${fmt(x)}`;
}

function runSub(ctx: CliContext): Command {
  return createCommand('run')
    .summary('evaluate a checkpoint by a suite now')
    .description('Evaluate one checkpoint (its id: trainyard checkpoints JOB) by a suite, as its own low-priority job. A checkpoint is evaluated at most once by a suite: an existing evaluation is shown instead.')
    .argument('<suite>', 'suite name')
    .requiredOption('--checkpoint <id>', 'checkpoint id')
    .action(action(ctx, async (suite: string, options: CommonOptions & { checkpoint: string }) => {
      const made = await client(ctx.io, options).run(suite, positiveInteger(options.checkpoint, '--checkpoint'));
      if (options.json) printJson(ctx.io, made);
      else {
        const e = made.evaluation;
        const head = made.created ? `evaluation ${e.id} started` : `checkpoint ${e.checkpointId} was evaluated by ${e.suite} already: evaluation ${e.id} (${e.result?.verdict ?? e.state})`;
        ctx.io.stdout.write(`${escapeControlChars(head)}: suite ${escapeControlChars(e.suite)} on checkpoint ${e.checkpointId} (job ${e.jobId}, step ${formatThousands(e.step)}), run by job ${e.evalJobId}\n  trainyard eval show ${e.id}   trainyard logs ${e.evalJobId} -f\n`);
      }
      return EXIT.ok;
    }));
}

function lsSub(ctx: CliContext): Command {
  return createCommand('ls')
    .summary("a job's leaderboard, or a suite's across jobs")
    .description("The evaluations of a job's checkpoints (or, with --suite and no job, of a suite across jobs), ranked by composite score, with verdicts, the baseline and each value's change against it.")
    .argument('[job]', 'job id')
    .option('--suite <name>', 'only this suite')
    .action(action(ctx, async (job: string | undefined, options: CommonOptions & { suite?: string }) => {
      if (job === undefined && options.suite === undefined) throw new UsageError('give a job id, --suite NAME, or both');
      const board = await client(ctx.io, options).leaderboard({ job: job === undefined ? undefined : positiveInteger(job, 'job'), suite: options.suite });
      if (options.json) printJson(ctx.io, board);
      else ctx.io.stdout.write(renderLeaderboard(board, job !== undefined));
      return EXIT.ok;
    }));
}

/** The leaderboards, one table per suite, the baseline's row first. */
export function renderLeaderboard(board: Leaderboard, oneJob: boolean): string {
  if (board.boards.length === 0) return 'no evaluations yet\n';
  return board.boards.map((b) => {
    const metrics = b.metrics.map((m) => m.name);
    const head = `suite ${b.suite} (version ${b.version})${b.baseline ? ` · baseline ${b.baseline.label}: score ${fmt(b.baseline.score)}` : ' · no baseline'}`;
    const rows = b.rows.map(({ rank, jobName, evaluation: e }) => [
      rank === null ? '-' : String(rank),
      ...(oneJob ? [] : [`${jobName} (${e.jobId})`]),
      formatThousands(e.step),
      String(e.id),
      e.result ? e.result.verdict : (e.evalJobState ?? e.state),
      e.result ? withDelta(e.result.score, e.result.scoreDelta) : '-',
      ...metrics.map((m) => metricCell(e.result?.diffs.find((d) => d.metric === m))),
      marks(e),
    ]);
    const baselineRow = b.baseline
      ? [['base', ...(oneJob ? [] : ['']), '', '', b.baseline.label, fmt(b.baseline.score), ...metrics.map((m) => fmt(b.baseline!.values[m] ?? null)), '']]
      : [];
    const table = renderTable(
      [
        { header: 'RANK', align: 'right' },
        ...(oneJob ? [] : [{ header: 'JOB', max: 30 }]),
        { header: 'STEP', align: 'right' },
        { header: 'EVAL', align: 'right' },
        { header: 'VERDICT' },
        { header: 'SCORE (Δ BASE)' },
        ...metrics.map((m) => ({ header: m.toUpperCase(), max: 30 })),
        { header: 'MARKS', max: 40 },
      ],
      [...baselineRow, ...rows],
    );
    return `${escapeControlChars(head)}\n${table}`;
  }).join('\n');
}

function withDelta(value: number | null, delta: number | null): string {
  if (value === null) return '-';
  return delta === null ? fmt(value) : `${fmt(value)} (${signed(delta)})`;
}

function metricCell(d: MetricDiff | undefined): string {
  if (!d || d.value === null) return '-';
  const cell = withDelta(d.value, d.absolute);
  return d.failed ? `${cell} ✗` : cell;
}

function marks(e: ApiEvaluation): string {
  const out: string[] = [];
  if (e.regressed) out.push('REGRESSION');
  if (e.override) out.push(`overridden by ${e.override.by}`);
  return out.join(', ');
}

function showSub(ctx: CliContext): Command {
  return createCommand('show')
    .summary("an evaluation's verdict, diff, score and regression alarm")
    .argument('<id>', 'evaluation id')
    .action(action(ctx, async (id: string, options: CommonOptions) => {
      const e = await client(ctx.io, options).get(positiveInteger(id, 'evaluation id'));
      if (options.json) printJson(ctx.io, e);
      else ctx.io.stdout.write(renderEvaluation(e, ctx.io.now()));
      return EXIT.ok;
    }));
}

export function renderEvaluation(e: ApiEvaluation, now: number): string {
  const r = e.result;
  const fields: Array<[string, string]> = [
    ['evaluation', `${e.id} · suite ${e.suite} (version ${e.suiteVersion}) · ${e.trigger === 'manual' ? 'run by hand' : 'on registration'}`],
    ['checkpoint', `${e.checkpointId} of job ${e.jobId}, step ${formatThousands(e.step)}: ${e.checkpointPath}`],
    ['run by', `job ${e.evalJobId} (${e.evalJobState ?? 'gone'})`],
    ['state', `${e.state}${e.endedAt ? `, ended ${formatRelative(e.endedAt, now)}` : `, started ${formatRelative(e.createdAt, now)}`}`],
  ];
  if (r) {
    fields.push(['verdict', `${r.verdict.toUpperCase()}: ${r.summary}`]);
    fields.push(['score', r.score === null ? '-' : `${fmt(r.score)}${r.baseline ? ` · baseline ${r.baseline.label} ${fmt(r.baseline.score)} · Δ ${r.scoreDelta === null ? '-' : signed(r.scoreDelta)}` : ''}`]);
    fields.push(['regression', r.regressions.length === 0 ? 'none' : r.regressions.map((x) => x.detail).join('; ')]);
  }
  fields.push(['promotable', e.promotable ? 'yes' : 'no']);
  if (e.override) fields.push(['override', `by ${e.override.by}, ${formatRelative(e.override.at, now)}: ${e.override.reason}`]);
  let text = renderFields(fields);
  if (r && r.diffs.length > 0) {
    text += `\n${renderTable(
      [
        { header: 'METRIC' }, { header: 'GOAL' }, { header: 'VALUE', align: 'right' }, { header: 'BASELINE', align: 'right' },
        { header: 'Δ', align: 'right' }, { header: 'Δ %', align: 'right' }, { header: 'THRESHOLD' }, { header: 'RESULT', max: 80 },
      ],
      r.diffs.map((d) => [
        d.metric, d.goal, fmt(d.value), fmt(d.baseline),
        d.absolute === null ? '-' : signed(d.absolute), d.relative === null ? '-' : `${signed(d.relative * 100)} %`,
        [bounds(d.threshold.value), changeBounds(d.threshold.change)].filter((x) => x !== '-').join('; ') || '-',
        d.failed ?? 'ok',
      ]),
    )}`;
  }
  return text;
}

function overrideSub(ctx: CliContext): Command {
  return createCommand('override')
    .summary('promote anyway: override a failing or regressing verdict, saying why')
    .argument('<id>', 'evaluation id')
    .requiredOption('--reason <text>', 'why (recorded with who and when)')
    .option('--by <name>', 'who asks (default: $USER)')
    .action(action(ctx, async (id: string, options: CommonOptions & { reason: string; by?: string }) => {
      const by = options.by ?? ctx.io.env.USER ?? undefined;
      const e = await client(ctx.io, options).override(positiveInteger(id, 'evaluation id'), options.reason, by);
      if (options.json) printJson(ctx.io, e);
      else ctx.io.stdout.write(`evaluation ${e.id} overridden by ${escapeControlChars(e.override?.by ?? '?')}: ${escapeControlChars(e.override?.reason ?? '')}\n`);
      return EXIT.ok;
    }));
}
