/**
 * Building a report: counts per rule with the first examples of each, then the final
 * `ValidationReport` with its summary line. Pure.
 */
import {
  type IssueExample,
  levelRank,
  type RuleResult,
  type Severity,
  type ValidationLevel,
  type ValidationReport,
} from '../core/datasets.ts';
import { RULES, type RuleId } from './rules.ts';
import { MAX_EXAMPLES } from './settings.ts';

export interface ReportBuilder {
  add(rule: RuleId, example: IssueExample): void;
  count(rule: RuleId): number;
  /** Errors so far (after severity overrides). */
  errors(): number;
  rules(): RuleResult[];
}

export function createReportBuilder(severity: Partial<Record<RuleId, Severity>> = {}, maxExamples = MAX_EXAMPLES): ReportBuilder {
  const found = new Map<RuleId, { count: number; examples: IssueExample[] }>();
  let errors = 0;
  const severityOf = (rule: RuleId): Severity => severity[rule] ?? RULES[rule].severity;
  return {
    add(rule, example) {
      let entry = found.get(rule);
      if (!entry) found.set(rule, (entry = { count: 0, examples: [] }));
      entry.count++;
      if (entry.examples.length < maxExamples) entry.examples.push(example);
      if (severityOf(rule) === 'error') errors++;
    },
    count: (rule) => found.get(rule)?.count ?? 0,
    errors: () => errors,
    rules() {
      const out: RuleResult[] = [];
      for (const [rule, { count, examples }] of found) {
        const info = RULES[rule];
        out.push({ rule, severity: severityOf(rule), level: info.level, count, description: info.description, examples });
      }
      return out.sort((a, b) => (a.severity === b.severity ? b.count - a.count || a.rule.localeCompare(b.rule) : a.severity === 'error' ? -1 : 1));
    },
  };
}

/** What the checks produce; `finishReport` derives the counts, verdict and summary. */
export type ReportParts = Pick<
  ValidationReport,
  'format' | 'level' | 'rows' | 'rowsEstimated' | 'rowsSampled' | 'files' | 'rules' | 'stats' | 'evalSets' | 'settings' | 'durationMs'
>;

export function finishReport(parts: ReportParts): ValidationReport {
  let errors = 0;
  let warnings = 0;
  const errorsByLevel: Record<ValidationLevel, number> = { quick: 0, standard: 0, deep: 0 };
  for (const r of parts.rules) {
    if (r.severity === 'error') {
      errors += r.count;
      // Contamination depends on the eval sets: recorded per set, not against the depth.
      if (r.rule !== 'contamination') errorsByLevel[r.level] += r.count;
    } else {
      warnings += r.count;
    }
  }
  const report = {
    format: parts.format,
    level: parts.level,
    passed: errors === 0,
    errors,
    warnings,
    errorsByLevel,
    rows: parts.rows,
    rowsEstimated: parts.rowsEstimated,
    ...(parts.rowsSampled === undefined ? {} : { rowsSampled: parts.rowsSampled }),
    bytes: parts.files.reduce((n, f) => n + f.bytes, 0),
    files: parts.files,
    rules: parts.rules,
    stats: parts.stats,
    evalSets: parts.evalSets,
    settings: parts.settings,
    durationMs: Math.round(parts.durationMs),
    summary: '',
  };
  return { ...report, summary: summaryLine(report) };
}

/** "chat · standard · 12,000 rows · 2 errors (schema ×2) · 1 warning (bom) · FAILED"; a sample
 * reads "chat · quick · sampled 2,210 of ~376,517 rows · no errors · PASSED". */
export function summaryLine(r: Omit<ValidationReport, 'summary'>): string {
  const list = (severity: Severity) =>
    r.rules
      .filter((x) => x.severity === severity)
      .slice(0, 4)
      .map((x) => (x.count === 1 ? x.rule : `${x.rule} ×${thousands(x.count)}`))
      .join(', ') + (r.rules.filter((x) => x.severity === severity).length > 4 ? ', …' : '');
  const rows = `${r.rowsEstimated ? '~' : ''}${thousands(r.rows)} row${r.rows === 1 ? '' : 's'}`;
  const bits = [r.format, r.level, r.rowsSampled === undefined ? rows : `sampled ${thousands(r.rowsSampled)} of ${rows}`];
  bits.push(r.errors === 0 ? 'no errors' : `${thousands(r.errors)} error${r.errors === 1 ? '' : 's'} (${list('error')})`);
  if (r.warnings > 0) bits.push(`${thousands(r.warnings)} warning${r.warnings === 1 ? '' : 's'} (${list('warning')})`);
  const contaminated = r.evalSets.filter((e) => e.contaminatedRows > 0);
  if (r.evalSets.length > 0) bits.push(contaminated.length === 0 ? `clean against ${r.evalSets.map((e) => e.ref).join(', ')}` : `contaminated by ${contaminated.map((e) => e.ref).join(', ')}`);
  bits.push(r.passed ? 'PASSED' : 'FAILED');
  return bits.join(' · ');
}

/** Whether a report's errors allow `level` (rules of that depth and shallower). */
export function passesLevel(report: Pick<ValidationReport, 'errorsByLevel'>, level: ValidationLevel): boolean {
  let errors = 0;
  for (const [l, n] of Object.entries(report.errorsByLevel) as [ValidationLevel, number][]) if (levelRank(l) <= levelRank(level)) errors += n;
  return errors === 0;
}

function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
