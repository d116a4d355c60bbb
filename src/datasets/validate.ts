/**
 * The validation pipeline, for a file or a folder:
 *
 *   format (deny by default) → files → per file: readRows (bytes → lines → rows, reading
 *   problems reported in place) → the format's checker (schema, roles, …) → the row analyzer
 *   (stats, length, duplicates; at deep: near-duplicates, contamination, leakage) → report.
 *
 * quick reads a sample (head, middle, tail, widened to whole lines; the head only for gzip and
 * CSV) and says so (`rowsSampled`); standard and deep read every row. Nothing a file
 * holds makes this throw: each problem becomes a rule in the report with its place. It throws
 * only for a caller's mistake: an unknown format (`UnknownFormatError`) or a missing path
 * (`DatasetPathError`).
 */
import type { FileReport, FormatDefinition, Severity, ValidationLevel, ValidationReport, ValidationSettings } from '../core/datasets.ts';
import { type EvalIndex } from './checks/ngram-index.ts';
import { createRowAnalyzer, type RowPlace } from './checks/row-analysis.ts';
import { buildEvalIndex, type EvalSetInput } from './eval-sets.ts';
import type { FormatSpec, IssueSink } from './formats/format.ts';
import { resolveFormat } from './formats/registry.ts';
import { csvDelimiter, readRows } from './read/file-rows.ts';
import { listDataFiles } from './read/folder.ts';
import { createReportBuilder, finishReport } from './report.ts';
import type { RuleId } from './rules.ts';
import { resolveSettings } from './settings.ts';

export interface ValidateOptions {
  /** A built-in format's name, a user format's name (with `userFormats`), or a format. */
  readonly format: string | FormatSpec;
  /** Default: standard. */
  readonly level?: ValidationLevel;
  /** Eval sets to check contamination against (depth deep only; ignored otherwise). */
  readonly evalSets?: readonly EvalSetInput[];
  readonly settings?: Partial<ValidationSettings>;
  /** Per-rule severity overrides, e.g. `{"exact-duplicate": "error"}`. */
  readonly severity?: Partial<Record<RuleId, Severity>>;
  /** Registered user formats that `format` may name. */
  readonly userFormats?: readonly FormatDefinition[];
  /** How a single file is named in the report. Default: the path as given. */
  readonly displayName?: string;
  /** Exact-duplicate keys kept in memory before spilling to disk. Default: DEDUPE_MEMORY_ROWS (1,000,000). */
  readonly dedupeMemoryRows?: number;
}

export async function validatePath(path: string, options: ValidateOptions): Promise<ValidationReport> {
  const started = performance.now();
  const format = typeof options.format === 'string' ? resolveFormat(options.format, options.userFormats) : options.format;
  const level = options.level ?? 'standard';
  const settings = resolveSettings(options.settings);
  const { folder, files } = await listDataFiles(path);
  const names = files.map((f) => (folder ? f.name : options.displayName ?? path));
  const builder = createReportBuilder(options.severity);
  const evalIndex: EvalIndex | null = level === 'deep' && options.evalSets?.length
    ? await buildEvalIndex(options.evalSets, settings, options.userFormats)
    : null;
  const analyzer = createRowAnalyzer({ level, settings, evalIndex, files: names, dedupeMemoryRows: options.dedupeMemoryRows }, (rule, example) => builder.add(rule, example));

  const fileReports: FileReport[] = [];
  let rows = 0;
  let estimated = false;
  /** Rows checked, when some file was only sampled. */
  let sampled: number | undefined;
  for (const [fileIndex, file] of files.entries()) {
    const name = names[fileIndex];
    const checker = format.createChecker();
    let place: RowPlace = { fileIndex, line: null, offset: 0 };
    const sink: IssueSink = {
      issue: (rule, field, message) => builder.add(rule, { file: name, line: place.line, field, message, offset: place.offset }),
      issueAt: (line, rule, field, message) => builder.add(rule, { file: name, line, field, message }),
    };
    const summary = await readRows(file.path, format.container(file.name.replace(/\.gz$/i, '')), level === 'quick' ? 'sample' : 'all', settings, {
      row(value, line, offset) {
        place = { fileIndex, line, offset };
        const content = checker.check(value, sink, line ?? 0);
        if (content) analyzer.add(content, place);
      },
      header(fields, line) {
        place = { fileIndex, line, offset: 0 };
        checker.header?.(fields, sink);
      },
      issue(rule, line, field, message, offset) {
        builder.add(rule, { file: name, line, field, message, ...(offset === undefined ? {} : { offset }) });
      },
    }, csvDelimiter(file.name));
    checker.finish?.(sink);
    if (summary.rowsSampled !== null || sampled !== undefined) sampled = (sampled ?? rows) + (summary.rowsSampled ?? summary.rows);
    rows += summary.rows;
    estimated ||= summary.rowsEstimated;
    fileReports.push({ path: name, bytes: summary.bytes, rows: summary.rows, compression: summary.compression, bom: summary.bom, lineEndings: summary.lineEndings });
  }
  await analyzer.finish();
  if (rows === 0 && builder.errors() === 0) {
    builder.add('empty-file', {
      file: folder ? path : names[0] ?? path,
      line: null,
      field: null,
      message: files.length === 0 ? 'the folder holds no files' : 'no rows: only blank lines or a header',
    });
  }
  return finishReport({
    format: format.name,
    level,
    rows,
    rowsEstimated: estimated,
    rowsSampled: sampled,
    files: fileReports,
    rules: builder.rules(),
    stats: analyzer.stats(),
    evalSets: analyzer.evalResults(),
    settings,
    durationMs: performance.now() - started,
  });
}
