/** `trainyard metrics ID [KEY]` and `trainyard checkpoints ID`. */
import type { Command } from 'commander';
import type { ApiEvaluation, Checkpoint, SeriesInfo, SeriesResponse } from '../sdk/client.ts';
import { action, createCommand, type CliContext, type CommonOptions } from './command.ts';
import { connect } from './connect.ts';
import { formatBytes, formatMetrics, formatRelative, formatThousands, formatValue, renderTable, sparkline } from './format.ts';
import { EXIT, printJson, UsageError } from './io.ts';
import { parseJobId } from './spec-args.ts';

/** Buckets asked for when --buckets is not given: a screenful. */
const DEFAULT_BUCKETS = 50;

interface MetricsOptions extends CommonOptions {
  buckets?: string;
  from?: string;
  to?: string;
}

export function metricsCommand(ctx: CliContext): Command {
  return createCommand('metrics')
    .summary("list a job's metric series, or show one")
    .description(
      "Without KEY: one line per metric series of the job (points, steps, last value, min, max).\n" +
        'With KEY: the points of that series between --from and --to; when the range holds more ' +
        'than --buckets points, one row per bucket (last step, last, min and max value, points).',
    )
    .argument('<id>', 'job id')
    .argument('[key]', 'metric key, e.g. loss')
    .option('--buckets <n>', `at most this many rows; more points are bucketed (default: ${DEFAULT_BUCKETS})`)
    .option('--from <step>', 'first step (inclusive)')
    .option('--to <step>', 'last step (inclusive)')
    .action(
      action(ctx, async (id: string, key: string | undefined, options: MetricsOptions) => {
        const jobId = parseJobId(id);
        if (key === undefined) {
          if (options.buckets ?? options.from ?? options.to) throw new UsageError('--buckets, --from and --to need a KEY');
          const series = await connect(ctx.io, options).listSeries(jobId);
          if (options.json) printJson(ctx.io, { series });
          else ctx.io.stdout.write(renderSeriesTable(series, jobId));
          return EXIT.ok;
        }
        const range = {
          from: options.from === undefined ? undefined : parseStep(options.from, '--from'),
          to: options.to === undefined ? undefined : parseStep(options.to, '--to'),
          buckets: options.buckets === undefined ? DEFAULT_BUCKETS : parseBuckets(options.buckets),
        };
        const series = await connect(ctx.io, options).getSeries(jobId, key, range);
        if (options.json) printJson(ctx.io, series);
        else ctx.io.stdout.write(renderSeries(series, ctx.io.now()));
        return EXIT.ok;
      }),
    );
}

function parseStep(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${flag} expects a step number, got "${text}"`);
  return value;
}

function parseBuckets(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`--buckets expects a whole number ≥ 1, got "${text}"`);
  return Number(text);
}

/** The series summary table of `metrics ID`. */
export function renderSeriesTable(series: readonly SeriesInfo[], jobId: number): string {
  if (series.length === 0) return `job ${jobId} has reported no metrics yet\n`;
  return renderTable(
    [
      { header: 'KEY' },
      { header: 'POINTS', align: 'right' },
      { header: 'STEPS', align: 'right' },
      { header: 'LAST', align: 'right' },
      { header: 'MIN', align: 'right' },
      { header: 'MAX', align: 'right' },
    ],
    series.map((s) => [
      s.key,
      formatThousands(s.count),
      `${formatThousands(s.firstStep)}–${formatThousands(s.lastStep)}`,
      formatValue(s.lastValue),
      formatValue(s.min),
      formatValue(s.max),
    ]),
  );
}

/** The points (or buckets) of `metrics ID KEY`, under a sparkline. */
export function renderSeries(series: SeriesResponse, now: number): string {
  if (series.steps.length === 0) return `no points of ${series.key} in this range\n`;
  if (series.bucketed) {
    const total = series.count.reduce((a, b) => a + b, 0);
    const head = `${series.key}: ${formatThousands(total)} points in ${series.steps.length} buckets\n${sparkline(series.last)}\n\n`;
    return (
      head +
      renderTable(
        [{ header: 'STEP', align: 'right' }, { header: 'LAST', align: 'right' }, { header: 'MIN', align: 'right' }, { header: 'MAX', align: 'right' }, { header: 'POINTS', align: 'right' }],
        series.steps.map((step, i) => [formatThousands(step), formatValue(series.last[i]), formatValue(series.min[i]), formatValue(series.max[i]), formatThousands(series.count[i])]),
      )
    );
  }
  const head = `${series.key}: ${formatThousands(series.steps.length)} points\n${sparkline(series.values)}\n\n`;
  return (
    head +
    renderTable(
      [{ header: 'STEP', align: 'right' }, { header: 'VALUE', align: 'right' }, { header: 'TIME' }],
      series.steps.map((step, i) => [formatThousands(step), formatValue(series.values[i]), formatRelative(series.times?.[i], now)]),
    )
  );
}

export function checkpointsCommand(ctx: CliContext): Command {
  return createCommand('checkpoints')
    .summary("list a job's checkpoints")
    .description("List a job's registered checkpoints, oldest first; those removed by retention are marked deleted.")
    .argument('<id>', 'job id')
    .action(
      action(ctx, async (id: string, options: CommonOptions) => {
        const jobId = parseJobId(id);
        const checkpoints = await connect(ctx.io, options).listCheckpoints(jobId);
        if (options.json) printJson(ctx.io, { checkpoints });
        else ctx.io.stdout.write(renderCheckpointTable(checkpoints, jobId, ctx.io.now()));
        return EXIT.ok;
      }),
    );
}

/** The `checkpoints` table. */
export function renderCheckpointTable(checkpoints: readonly (Checkpoint & { readonly evaluations?: readonly ApiEvaluation[] })[], jobId: number, now: number): string {
  if (checkpoints.length === 0) return `job ${jobId} has registered no checkpoints\n`;
  const evaluated = checkpoints.some((c) => (c.evaluations?.length ?? 0) > 0);
  return renderTable(
    [
      { header: 'ID', align: 'right' },
      { header: 'STEP', align: 'right' },
      { header: 'SIZE', align: 'right' },
      { header: 'METRICS', max: 40 },
      ...(evaluated ? [{ header: 'EVALUATIONS', max: 50 }] : []),
      { header: 'CREATED' },
      { header: 'PATH' },
    ],
    checkpoints.map((c) => [
      String(c.id),
      formatThousands(c.step),
      c.deleted ? 'deleted' : formatBytes(c.bytes),
      formatMetrics(c.metrics),
      ...(evaluated ? [(c.evaluations ?? []).map(describeEvaluation).join(', ') || '-'] : []),
      formatRelative(c.createdAt, now),
      c.path,
    ]),
  );
}

/** "heldout pass", "heldout fail REGRESSION", "heldout running" (trainyard eval show ID for more). */
function describeEvaluation(e: ApiEvaluation): string {
  const marks = `${e.regressed ? ' REGRESSION' : ''}${e.override ? ' (overridden)' : ''}`;
  return `${e.suite} ${e.result?.verdict ?? e.state}${marks}`;
}
