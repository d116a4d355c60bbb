/**
 * A study report written as CSV (one line per variant, trial and baseline, for a spreadsheet)
 * and as Markdown a paper can paste (the variants table with the best per column in bold,
 * baselines as rows beneath, a footnote with the spec's hash and the generation time, then the
 * evidence of every run). Pure: formats a `StudyReport` (study-report.ts).
 */
import type { Stat, StudyReport, TrialRow, VariantRow } from './study-report.ts';

/** A number with 4 significant digits (integers as they are); empty for null. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(3).replace(/\.?0+e/, 'e');
  return String(Number(value.toPrecision(4)));
}

/** `mean ± std` (just the mean for one run); empty for null. */
export function formatStat(s: Stat | null): string {
  if (!s) return '';
  return s.std === null ? formatNumber(s.mean) : `${formatNumber(s.mean)} ± ${formatNumber(s.std)}`;
}

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

const paramText = (value: unknown) => (value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value));

function csvField(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The report as CSV: a header, then per variant its line (`kind` variant) and its trials' lines (`kind` trial), then the baselines. */
export function reportCsv(report: StudyReport): string {
  const metricColumns = report.metrics.flatMap((m) => [`${m.name}.final`, `${m.name}.final_std`, `${m.name}.best`, `${m.name}.best_std`, `${m.name}.best_step`]);
  const header = ['kind', 'name', 'group', 'trial', 'seed', 'job', ...report.differingParams.map((p) => `param.${p}`), ...metricColumns,
    'wall_seconds', 'gpu_hours', 'outcome', 'classification', 'reason', 'marked_best', 'started_at', 'ended_at', 'runs', 'checkpoints', 'artifacts'];
  const lines: (string | number | null)[][] = [header];
  const params = (p: Readonly<Record<string, unknown>>) => report.differingParams.map((k) => paramText(p[k]));
  for (const v of report.variants) {
    const marked = report.metrics.flatMap((m) => [v.metrics[m.name].marked.final ? `${m.name}.final` : '', v.metrics[m.name].marked.best ? `${m.name}.best` : ''].filter(Boolean));
    lines.push(['variant', '', v.group, '', v.seeds.join(';'), '', ...params(v.params),
      ...report.metrics.flatMap((m) => {
        const c = v.metrics[m.name];
        return [c.final?.mean ?? null, c.final?.std ?? null, c.best?.mean ?? null, c.best?.std ?? null, c.bestStep?.mean ?? null];
      }),
      round(v.wallSeconds), round(v.gpuHours), v.outcome, '', '', marked.join(';'), '', '', '', '', '']);
    for (const t of v.trials) {
      const runs = t.evidence.runs;
      lines.push(['trial', '', v.group, t.index, t.seed, t.jobId, ...params(v.params),
        ...report.metrics.flatMap((m) => {
          const c = t.metrics[m.name];
          return [c.final?.value ?? null, null, c.best?.value ?? null, null, c.best?.step ?? null];
        }),
        round(t.wallSeconds), round(t.gpuHours), t.outcome.status, t.outcome.classification, t.outcome.reason, '',
        iso(runs[0]?.startedAt ?? null), iso(runs.at(-1)?.endedAt ?? null),
        runs.map((r) => r.id).join(';'), t.evidence.checkpoints.map((c) => c.id).join(';'), t.evidence.artifacts.map((a) => a.id).join(';')]);
    }
  }
  for (const b of report.baselines) {
    lines.push(['baseline', b.name, '', '', '', '', ...report.differingParams.map(() => ''),
      ...report.metrics.flatMap((m) => [b.values[m.name], null, b.values[m.name], null, null]),
      '', '', '', '', '', '', '', '', '', '', '']);
  }
  return lines.map((l) => l.map(csvField).join(',')).join('\n') + '\n';
}

const round = (x: number) => Number(x.toFixed(6));

function mdCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function bold(text: string, on: boolean): string {
  return on && text !== '' ? `**${text}**` : text;
}

function duration(seconds: number): string {
  if (seconds < 60) return `${formatNumber(Number(seconds.toFixed(1)))} s`;
  if (seconds < 3600) return `${formatNumber(Number((seconds / 60).toFixed(1)))} min`;
  return `${formatNumber(Number((seconds / 3600).toFixed(2)))} h`;
}

function variantLine(report: StudyReport, v: VariantRow): string[] {
  return [
    `${v.group}${v.seeds.length > 1 ? ` (${v.seeds.length} seeds)` : ''}`,
    ...report.differingParams.map((p) => mdCell(paramText(v.params[p]))),
    ...report.metrics.flatMap((m) => {
      const c = v.metrics[m.name];
      return [bold(formatStat(c.final), c.marked.final), bold(formatStat(c.best), c.marked.best), formatStat(c.bestStep)];
    }),
    duration(v.wallSeconds),
    formatNumber(Number(v.gpuHours.toFixed(3))),
    mdCell(v.outcome),
  ];
}

function evidenceLine(t: TrialRow, base: string): string[] {
  const runs = t.evidence.runs.map((r) => `run ${r.id} (attempt ${r.attempt}, ${r.state}) ${iso(r.startedAt)} → ${iso(r.endedAt) || 'running'}, [log](${base}${r.log})`);
  return [
    String(t.index),
    t.seed === null ? '' : String(t.seed),
    t.jobId === null ? 'not launched' : `job ${t.jobId}`,
    mdCell(t.outcome.status + (t.outcome.classification ? ` (${t.outcome.classification})` : '') + (t.outcome.reason && t.outcome.status !== 'succeeded' ? `: ${t.outcome.reason}` : '')),
    runs.join('<br>'),
    t.evidence.checkpoints.map((c) => `${c.id} (step ${c.step})`).join(', '),
    t.evidence.artifacts.map((a) => `[${mdCell(a.name)}](${base}${a.url})${a.step === null ? '' : ` @${a.step}`}`).join(', '),
  ];
}

const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;

/**
 * The report as Markdown: the variants table (best per column in bold, baselines as italic rows
 * beneath), a footnote with the spec hash and the generation time, then the evidence per run.
 * `linkBase` (the server's origin, `http://host:7300`) makes the evidence links absolute, so
 * they still lead somewhere from a pasted document. Default: relative links.
 */
export function reportMarkdown(report: StudyReport, options: { readonly linkBase?: string } = {}): string {
  const base = (options.linkBase ?? '').replace(/\/+$/, '');
  const header = ['variant', ...report.differingParams.map(mdCell),
    ...report.metrics.flatMap((m) => [`${mdCell(m.name)} final`, `${mdCell(m.name)} best (${m.mode})`, `${mdCell(m.name)} step of best`]),
    'wall time', 'GPU-hours', 'outcome'];
  const out: string[] = [`## Study ${mdCell(report.study)}[^spec]`, '', row(header), row(header.map((_, i) => (i > report.differingParams.length && i < header.length - 1 ? '---:' : '---')))];
  for (const v of report.variants) out.push(row(variantLine(report, v)));
  for (const b of report.baselines) {
    out.push(row([`*${mdCell(b.name)}*`, ...report.differingParams.map(() => ''),
      ...report.metrics.flatMap((m) => [formatNumber(b.values[m.name]), formatNumber(b.values[m.name]), '']), '', '', 'baseline']));
  }
  const repeats = report.variants.some((v) => v.trials.length > 1);
  out.push('', `[^spec]: Study \`${report.study}\` (${report.state}), ${report.totals.trials} trials, ${duration(report.totals.wallSeconds)} wall time, ${formatNumber(Number(report.totals.gpuHours.toFixed(3)))} GPU-hours. `
    + `Best per column in bold (${report.metrics.map((m) => `${m.name}: ${m.mode}`).join(', ') || 'no metric'})`
    + `${repeats ? '; mean ± sample std over seeds' : ''}. Spec sha256 \`${report.specHash}\`; generated ${iso(report.generatedAt)} by Trainyard.`);
  out.push('', '### Evidence', '', row(['trial', 'seed', 'job', 'outcome', 'runs', 'checkpoints', 'artifacts']), row(['---:', '---:', '---', '---', '---', '---', '---']));
  for (const v of report.variants) for (const t of v.trials) out.push(row(evidenceLine(t, base)));
  return out.join('\n') + '\n';
}
