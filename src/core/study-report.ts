/**
 * A study's report (docs/studies.md, "The report"): one row per variant with the params that
 * differ, for each chosen metric the final, best and step-of-best value (mean ± std over seeds
 * when a variant repeats), wall time and GPU-hours, the outcome, the best per column marked,
 * the spec's baselines as rows beside, and the time-stamped evidence of every run. Pure: the
 * caller (studies/report.ts) reads the store; `study-report-format.ts` writes CSV and Markdown.
 *
 * Terms: a *variant row* is a group (trials that differ only in their seed); its *trial rows*
 * are the runs beneath it. A *cell* is one metric of one row.
 */
import type { Trial } from './study-record.ts';
import type { StudySpec } from './study.ts';

export type MetricMode = 'min' | 'max';

/** A metric of the report, with the mode that says which value is best and why. */
export interface ReportMetric {
  readonly name: string;
  readonly mode: MetricMode;
  /** `objective`: the study's objective mode; `name`: "loss"/"error" in the name (min); `default`: max. */
  readonly modeFrom: 'objective' | 'name' | 'default';
}

export interface Point {
  readonly step: number;
  readonly value: number;
}

/** One series summed up: its last point and its best point by the metric's mode (NaN skipped). */
export interface SeriesSummary {
  readonly final: Point | null;
  readonly best: Point | null;
}

/** mean ± std of a value over a variant's runs; `std` is the sample standard deviation (n − 1), null with one value. */
export interface Stat {
  readonly mean: number;
  readonly std: number | null;
  readonly n: number;
}

/** What the report needs of one run of a trial's job. */
export interface ReportRunInput {
  readonly id: number;
  readonly attempt: number;
  readonly state: string;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly gpus: readonly number[];
}

export interface ReportTrialInput {
  readonly trial: Trial;
  readonly runs: readonly ReportRunInput[];
  /** Metric name → its series summed up (`summarizeSeries`); metrics the trial never reported are absent. */
  readonly series: Readonly<Record<string, SeriesSummary>>;
  readonly checkpoints: readonly { readonly id: number; readonly step: number; readonly createdAt: number }[];
  readonly artifacts: readonly { readonly id: number; readonly runId: number; readonly name: string; readonly kind: string; readonly step: number | null; readonly createdAt: number }[];
}

export interface ReportInput {
  readonly study: { readonly name: string; readonly state: string; readonly spec: StudySpec };
  readonly trials: readonly ReportTrialInput[];
  readonly metrics: readonly ReportMetric[];
  /** sha256 of the spec's canonical JSON (`canonicalJson`). */
  readonly specHash: string;
  /** Generation time (ms); also the end of runs still running, for wall time. */
  readonly now: number;
}

/** How a trial ended, in words a table holds. */
export interface TrialOutcome {
  /** succeeded, failed, stopped-early, held (paused by early stopping), stopped, or the job's state while it is not ended (pending, queued, running, …). */
  readonly status: string;
  /** The failure's classification (`cuda-oom`, `exit-code`, …), else null. */
  readonly classification: string | null;
  /** Early stopping's reason (the rung and rank), or the stop's detail; null otherwise. */
  readonly reason: string | null;
}

export interface TrialCell {
  readonly final: Point | null;
  readonly best: Point | null;
}

export interface VariantCell {
  readonly final: Stat | null;
  readonly best: Stat | null;
  /** The step of the best value, over the runs. */
  readonly bestStep: Stat | null;
  /** This row holds the best `final` (or `best`) mean of the column, by the metric's mode (ties all marked). */
  readonly marked: { readonly final: boolean; readonly best: boolean };
}

export interface Evidence {
  readonly jobId: number | null;
  readonly runs: readonly { readonly id: number; readonly attempt: number; readonly state: string; readonly startedAt: number; readonly endedAt: number | null; readonly log: string }[];
  readonly checkpoints: readonly { readonly id: number; readonly step: number; readonly createdAt: number }[];
  readonly artifacts: readonly { readonly id: number; readonly runId: number; readonly name: string; readonly kind: string; readonly step: number | null; readonly createdAt: number; readonly url: string }[];
}

export interface TrialRow {
  readonly index: number;
  readonly seed: number | null;
  readonly jobId: number | null;
  readonly state: string;
  readonly outcome: TrialOutcome;
  readonly metrics: Readonly<Record<string, TrialCell>>;
  readonly wallSeconds: number;
  readonly gpuHours: number;
  readonly evidence: Evidence;
}

export interface VariantRow {
  readonly group: number;
  /** Every param of the variant (its first trial's, `seed` left out when it repeats over seeds). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly seeds: readonly number[];
  readonly metrics: Readonly<Record<string, VariantCell>>;
  readonly wallSeconds: number;
  readonly gpuHours: number;
  /** The trials' outcomes counted: "3 succeeded", "2 succeeded, 1 failed (cuda-oom)". */
  readonly outcome: string;
  readonly trials: readonly TrialRow[];
}

export interface BaselineRow {
  readonly name: string;
  /** Metric → the declared value; null where the baseline declares none for it. */
  readonly values: Readonly<Record<string, number | null>>;
}

export interface StudyReport {
  readonly study: string;
  readonly state: string;
  readonly objective: { readonly metric: string; readonly mode: MetricMode } | null;
  readonly metrics: readonly ReportMetric[];
  /** The params whose values differ across variants (the report's param columns), in the spec's order. */
  readonly differingParams: readonly string[];
  readonly variants: readonly VariantRow[];
  readonly baselines: readonly BaselineRow[];
  readonly totals: { readonly trials: number; readonly wallSeconds: number; readonly gpuHours: number };
  readonly specHash: string;
  readonly generatedAt: number;
}

/**
 * Which way a metric is better: the objective's mode for the objective's metric; else `min` for a
 * name containing "loss" or "error" (any case); else `max`.
 */
export function metricMode(name: string, objective: StudySpec['objective']): ReportMetric {
  if (objective && objective.metric === name) return { name, mode: objective.mode, modeFrom: 'objective' };
  if (/loss|error/i.test(name)) return { name, mode: 'min', modeFrom: 'name' };
  return { name, mode: 'max', modeFrom: 'default' };
}

/** The report's metrics: those asked for, else the objective, else every metric the trials reported (sorted). */
export function chooseMetrics(requested: readonly string[] | null, objective: StudySpec['objective'], reported: Iterable<string>): ReportMetric[] {
  const names = requested && requested.length > 0 ? [...new Set(requested)] : objective ? [objective.metric] : [...new Set(reported)].sort();
  return names.map((n) => metricMode(n, objective));
}

/** The last point and the best point (the first step that reached it) of a series; NaN values are skipped. */
export function summarizeSeries(steps: ArrayLike<number>, values: ArrayLike<number>, mode: MetricMode): SeriesSummary {
  let final: Point | null = null;
  let best: Point | null = null;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (Number.isNaN(value)) continue;
    final = { step: steps[i], value };
    if (best === null || (mode === 'min' ? value < best.value : value > best.value)) best = final;
  }
  return { final, best };
}

/** mean and sample standard deviation of finite values; null when none is finite. */
export function stat(values: readonly number[]): Stat | null {
  const xs = values.filter(Number.isFinite);
  if (xs.length === 0) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2) return { mean, std: null, n: xs.length };
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
  return { mean, std: Math.sqrt(variance), n: xs.length };
}

/** How a trial ended: early stopping's decisions name themselves; a failure carries its classification. */
export function trialOutcome(trial: Trial): TrialOutcome {
  const d = trial.decision;
  if (trial.state === 'stopped' && d?.carriedOut === 'stop') return { status: 'stopped-early', classification: null, reason: d.reason };
  if (trial.state === 'paused' && d?.carriedOut === 'pause') return { status: 'held', classification: null, reason: d.reason };
  if (trial.state === 'failed') return { status: 'failed', classification: trial.outcome?.kind ?? null, reason: trial.outcome?.detail ?? null };
  if (trial.state === 'stopped') return { status: 'stopped', classification: null, reason: trial.outcome?.detail ?? null };
  return { status: trial.state, classification: null, reason: null };
}

/** JSON with object keys sorted, so the same spec always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
  });
}

const same = (a: unknown, b: unknown) => a === b || (typeof a === 'object' && typeof b === 'object' && canonicalJson(a) === canonicalJson(b));

function better(mode: MetricMode, a: number, b: number): boolean {
  return mode === 'min' ? a < b : a > b;
}

function trialRow(input: ReportTrialInput, metrics: readonly ReportMetric[], now: number): TrialRow {
  const { trial } = input;
  let wall = 0;
  let gpuSeconds = 0;
  for (const run of input.runs) {
    const seconds = Math.max(0, ((run.endedAt ?? now) - run.startedAt) / 1000);
    wall += seconds;
    gpuSeconds += seconds * run.gpus.length;
  }
  const cells: Record<string, TrialCell> = {};
  for (const m of metrics) cells[m.name] = input.series[m.name] ?? { final: null, best: null };
  return {
    index: trial.index,
    seed: trial.seed,
    jobId: trial.jobId,
    state: trial.state,
    outcome: trialOutcome(trial),
    metrics: cells,
    wallSeconds: wall,
    gpuHours: gpuSeconds / 3600,
    evidence: {
      jobId: trial.jobId,
      runs: input.runs.map((r) => ({ id: r.id, attempt: r.attempt, state: r.state, startedAt: r.startedAt, endedAt: r.endedAt, log: `/api/v1/jobs/${trial.jobId}/log?attempt=${r.attempt}` })),
      checkpoints: input.checkpoints.map((c) => ({ id: c.id, step: c.step, createdAt: c.createdAt })),
      artifacts: input.artifacts.map((a) => ({ ...a, url: `/api/v1/artifacts/${a.id}/content` })),
    },
  };
}

/** "3 succeeded", "2 succeeded, 1 failed (cuda-oom)": the outcomes of a variant's trials, counted in order of first appearance. */
function countOutcomes(rows: readonly TrialRow[]): string {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const label = r.outcome.status === 'failed' && r.outcome.classification ? `failed (${r.outcome.classification})` : r.outcome.status;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(([label, n]) => `${n} ${label}`).join(', ');
}

/** Builds the report from the trials and their runs, series, checkpoints and artifacts (see the file's TSDoc). */
export function buildStudyReport(input: ReportInput): StudyReport {
  const { spec } = input.study;
  const metrics = input.metrics;
  const repeats = spec.seeds !== null || Object.prototype.hasOwnProperty.call(spec.params, 'seed');
  const groups = new Map<number, ReportTrialInput[]>();
  for (const t of [...input.trials].sort((a, b) => a.trial.index - b.trial.index)) {
    const list = groups.get(t.trial.group) ?? [];
    list.push(t);
    groups.set(t.trial.group, list);
  }

  const rows = [...groups].map(([group, trials]) => {
    const trialRows = trials.map((t) => trialRow(t, metrics, input.now));
    const params = { ...trials[0].trial.params };
    if (repeats) delete params.seed;
    const cells: Record<string, Omit<VariantCell, 'marked'>> = {};
    for (const m of metrics) {
      const cs = trialRows.map((r) => r.metrics[m.name]);
      cells[m.name] = {
        final: stat(cs.flatMap((c) => (c.final ? [c.final.value] : []))),
        best: stat(cs.flatMap((c) => (c.best ? [c.best.value] : []))),
        bestStep: stat(cs.flatMap((c) => (c.best ? [c.best.step] : []))),
      };
    }
    return {
      group, params, cells, trialRows,
      seeds: trials.flatMap((t) => (t.trial.seed === null ? [] : [t.trial.seed])),
      wallSeconds: trialRows.reduce((a, r) => a + r.wallSeconds, 0),
      gpuHours: trialRows.reduce((a, r) => a + r.gpuHours, 0),
    };
  });

  // The best mean of each column, by the metric's mode; every row that holds it is marked.
  const bestOf = (m: ReportMetric, column: 'final' | 'best'): number | null => {
    let b: number | null = null;
    for (const r of rows) {
      const s = r.cells[m.name][column];
      if (s && (b === null || better(m.mode, s.mean, b))) b = s.mean;
    }
    return b;
  };
  const bests = new Map(metrics.map((m) => [m.name, { final: bestOf(m, 'final'), best: bestOf(m, 'best') }]));

  const variants: VariantRow[] = rows.map((r) => ({
    group: r.group,
    params: r.params,
    seeds: r.seeds,
    metrics: Object.fromEntries(metrics.map((m) => {
      const c = r.cells[m.name];
      const b = bests.get(m.name)!;
      return [m.name, { ...c, marked: { final: c.final !== null && c.final.mean === b.final, best: c.best !== null && c.best.mean === b.best } }];
    })),
    wallSeconds: r.wallSeconds,
    gpuHours: r.gpuHours,
    outcome: countOutcomes(r.trialRows),
    trials: r.trialRows,
  }));

  const paramNames = [...new Set(rows.flatMap((r) => Object.keys(r.params)))];
  const differingParams = paramNames.filter((p) => rows.some((r) => !same(r.params[p], rows[0].params[p])));

  const baselines = Object.entries(spec.baselines ?? {}).map(([name, values]) => ({
    name,
    values: Object.fromEntries(metrics.map((m) => [m.name, values[m.name] ?? null])),
  }));

  return {
    study: input.study.name,
    state: input.study.state,
    objective: spec.objective,
    metrics,
    differingParams,
    variants,
    baselines,
    totals: {
      trials: input.trials.length,
      wallSeconds: variants.reduce((a, v) => a + v.wallSeconds, 0),
      gpuHours: variants.reduce((a, v) => a + v.gpuHours, 0),
    },
    specHash: input.specHash,
    generatedAt: input.now,
  };
}
