/** Readable text of validation reports and dataset versions, for `trainyard data …`. Pure. */
import type { DatasetSummary, DatasetVersion, IssueExample, ValidationReport } from '../core/datasets.ts';
import type { DatasetRunUse } from '../sdk/datasets-client.ts';
import { escapeControlChars, formatBytes, formatRelative, formatThousands, renderFields, renderTable, truncate } from './format.ts';

/** Examples printed per rule (the JSON report has all it kept). */
const TEXT_EXAMPLES = 3;

/** The summary line, a table of rules, their first examples, field statistics and eval sets. */
export function renderReport(report: ValidationReport): string {
  let text = `${report.summary}\n`;
  if (report.rules.length > 0) {
    text += `\n${renderTable(
      [{ header: 'RULE' }, { header: 'SEVERITY' }, { header: 'DEPTH' }, { header: 'COUNT', align: 'right' }, { header: 'MEANING', max: 70 }],
      report.rules.map((r) => [r.rule, r.severity, r.level, formatThousands(r.count), r.description]),
    )}`;
    text += '\nfirst examples\n';
    for (const r of report.rules) {
      for (const e of r.examples.slice(0, TEXT_EXAMPLES)) text += `  ${r.rule.padEnd(20)} ${escapeControlChars(place(e))}  ${truncate(escapeControlChars(e.message), 110)}\n`;
    }
  }
  if (report.stats.fields.length > 0) {
    text += `\n${renderTable(
      [{ header: 'FIELD', max: 30 }, { header: 'VALUES', align: 'right' }, { header: 'EMPTY', align: 'right' }, { header: 'MIN CHARS', align: 'right' }, { header: 'MEAN', align: 'right' }, { header: 'MAX', align: 'right' }],
      report.stats.fields.map((f) => [f.field, formatThousands(f.count), formatThousands(f.empty), formatThousands(f.minChars), formatThousands(f.meanChars), formatThousands(f.maxChars)]),
    )}`;
  }
  const t = report.stats.tokens;
  if (t) {
    text += `\ntokens per row (~${report.settings.charsPerToken} chars a token): min ${formatThousands(t.min)} · p50 ${formatThousands(t.p50)} · p95 ${formatThousands(t.p95)} · max ${formatThousands(t.max)} · total ${formatThousands(t.total)} (limit ${formatThousands(report.settings.maxTokens)})\n`;
  }
  const roles = Object.entries(report.stats.roles);
  if (roles.length > 0) text += `roles: ${roles.map(([r, n]) => `${r} ${formatThousands(n)}`).join(' · ')}\n`;
  for (const e of report.evalSets) {
    text += `eval set ${e.ref}: ${formatThousands(e.rows)} rows; ${e.contaminatedRows === 0 ? 'no contaminated training rows' : `${formatThousands(e.contaminatedRows)} training rows contaminated`}\n`;
  }
  if (report.files.length > 1) text += `${report.files.length} files, ${formatBytes(report.bytes)}\n`;
  text += `took ${formatThousands(report.durationMs)} ms\n`;
  return text;
}

/** "a.jsonl:12 messages[2].content", "a.jsonl @ byte 4096" for sampled rows. */
function place(e: IssueExample): string {
  const where = e.line !== null ? `${e.file}:${e.line}` : e.offset !== undefined ? `${e.file} @ byte ${e.offset}` : e.file;
  return e.field ? `${where} ${e.field}` : where;
}

/** quick ✓ standard ✗ deep · */
export function levelMarks(version: Pick<DatasetVersion, 'levels'>): string {
  const mark = (s: string) => (s === 'passed' ? 'passed' : s === 'failed' ? 'FAILED' : '-');
  return `quick ${mark(version.levels.quick)} · standard ${mark(version.levels.standard)} · deep ${mark(version.levels.deep)}`;
}

export function renderDatasetList(datasets: readonly DatasetSummary[], now: number): string {
  if (datasets.length === 0) return 'no datasets (register one with `trainyard data add NAME PATH --format F`)\n';
  return renderTable(
    [{ header: 'NAME', max: 30 }, { header: 'LATEST', align: 'right' }, { header: 'VERSIONS', align: 'right' }, { header: 'FORMAT' }, { header: 'ROWS', align: 'right' }, { header: 'SIZE', align: 'right' }, { header: 'QUICK' }, { header: 'STANDARD' }, { header: 'DEEP' }, { header: 'REGISTERED' }],
    datasets.map((d) => [
      d.name,
      `@${d.latest.version}`,
      String(d.versions),
      d.latest.format,
      `${d.latest.rowsExact ? '' : '~'}${formatThousands(d.latest.rows)}`,
      formatBytes(d.latest.bytes),
      d.latest.levels.quick,
      d.latest.levels.standard,
      d.latest.levels.deep,
      formatRelative(d.latest.createdAt, now),
    ]),
  );
}

export function renderVersion(version: DatasetVersion, runs: readonly DatasetRunUse[], now: number): string {
  const fields: [string, string][] = [
    ['format', version.format],
    ['sha256', version.sha256],
    ['size', `${formatBytes(version.bytes)}${version.files > 1 ? ` in ${version.files} files` : ''}`],
    ['rows', `${version.rowsExact ? '' : '~'}${formatThousands(version.rows)}`],
    ['depths', levelMarks(version)],
    ['source', version.source],
    ['stored', version.path],
    ['registered', `${formatRelative(version.createdAt, now)} (${new Date(version.createdAt).toISOString()})`],
  ];
  let text = `${version.name}@${version.version}\n${renderFields(fields)}`;
  if (version.validations.length > 0) {
    text += `\nvalidations\n${renderTable(
      [{ header: 'ID', align: 'right' }, { header: 'DEPTH' }, { header: 'RESULT' }, { header: 'ERRORS', align: 'right' }, { header: 'WARNINGS', align: 'right' }, { header: 'WHEN' }, { header: 'SUMMARY', max: 90 }],
      version.validations.map((v) => [String(v.id), v.level, v.passed ? 'passed' : 'FAILED', formatThousands(v.errors), formatThousands(v.warnings), formatRelative(v.createdAt, now), v.summary]),
    )}`;
  }
  text += runs.length === 0
    ? '\nno run has read this version yet\n'
    : `\nread by (lineage)\n${renderTable(
      [{ header: 'JOB', align: 'right' }, { header: 'NAME', max: 28 }, { header: 'RUN', align: 'right' }, { header: 'ATTEMPT', align: 'right' }, { header: 'ROLE' }, { header: 'STATE' }, { header: 'WHEN' }],
      runs.map((r) => [String(r.jobId), r.jobName ?? '-', String(r.runId), r.attempt === null ? '-' : String(r.attempt), r.role, r.runState ?? '-', formatRelative(r.createdAt, now)]),
    )}`;
  return text;
}
