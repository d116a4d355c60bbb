/**
 * The chosen metrics overlaid per variant (uPlot, through the compare route as the compare page
 * does): one chart per metric, a line per run, one colour per variant (its seeds share it).
 * The best `CHARTED` variants by the objective are drawn, so a 1,000-variant study stays legible
 * and quick; the report table holds them all.
 */
import { useEffect, useMemo, useState } from 'react';
import type uPlot from 'uplot';
import type { StudyReportView } from '../../../../src/core/api/study-report.ts';
import type { CompareResponse } from '../../api/http.ts';
import { compareUrl } from '../../api/requests.ts';
import { Chart, runColor, type ChartLine } from '../../components/chart.tsx';
import { ErrorNote } from '../../components/bits.tsx';
import { useSession } from '../../session.tsx';

/** Variants drawn: the best 10 by the objective (or the first metric). */
export const CHARTED = 10;

type Variant = StudyReportView['variants'][number];

/** The variants to chart: the best `CHARTED` by the first metric's best mean, in group order. */
export function chartedVariants(report: StudyReportView): Variant[] {
  const m = report.metrics.find((x) => x.name === report.objective?.metric) ?? report.metrics[0];
  if (!m) return report.variants.slice(0, CHARTED);
  const score = (v: Variant) => v.metrics[m.name]?.best?.mean ?? null;
  return [...report.variants]
    .sort((a, b) => {
      const x = score(a);
      const y = score(b);
      if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
      return m.mode === 'min' ? x - y : y - x;
    })
    .slice(0, CHARTED)
    .sort((a, b) => a.group - b.group);
}

export function MetricCharts({ report }: { report: StudyReportView }) {
  const variants = useMemo(() => chartedVariants(report), [report]);
  // The compare route takes at most 100 jobs.
  const jobs = useMemo(() => variants.flatMap((v) => v.trials.flatMap((t) => (t.jobId === null ? [] : [{ jobId: t.jobId, group: v.group, seed: t.seed }]))).slice(0, 100), [variants]);
  if (jobs.length === 0) return <p className="muted">No run has reported yet.</p>;
  return (
    <div className="study-charts">
      {report.variants.length > variants.length && <p className="muted small">The best {variants.length} of {report.variants.length} variants.</p>}
      {report.metrics.map((m) => <MetricChart key={m.name} metric={m.name} jobs={jobs} variants={variants} />)}
    </div>
  );
}

function MetricChart({ metric, jobs, variants }: { metric: string; jobs: readonly { jobId: number; group: number; seed: number | null }[]; variants: readonly Variant[] }) {
  const { api } = useSession();
  const [data, setData] = useState<CompareResponse | null>(null);
  const [error, setError] = useState<unknown>(null);
  const ids = jobs.map((j) => j.jobId);
  const key = ids.join(',');
  useEffect(() => {
    const abort = new AbortController();
    api.get<CompareResponse>(compareUrl(ids, metric, null, false), undefined, abort.signal).then(setData, (e: unknown) => {
      if (!abort.signal.aborted) setError(e);
    });
    return () => abort.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, key, metric]);
  const built = useMemo(() => {
    if (!data) return null;
    const colorOf = new Map(variants.map((v, i) => [v.group, runColor(i)]));
    const byJob = new Map(jobs.map((j) => [j.jobId, j]));
    const columns: (number | null)[][] = [data.steps.slice()];
    const lines: ChartLine[] = [];
    for (const job of data.jobs) {
      const j = byJob.get(job.id);
      if (!j || !job.found) continue;
      columns.push(job.last.slice());
      lines.push({ label: `variant ${j.group}${j.seed === null ? '' : ` seed ${j.seed}`} #${job.id}`, stroke: colorOf.get(j.group) ?? '#888', width: 1.5 });
    }
    return { columns: columns as uPlot.AlignedData, lines };
  }, [data, jobs, variants]);
  return (
    <div className="study-chart" data-testid="study-chart" data-metric={metric} data-lines={built?.lines.length ?? 0}>
      <h3>{metric}</h3>
      <ErrorNote error={error} />
      {!built && !error && <p className="muted">Loading…</p>}
      {built && built.lines.length === 0 && <p className="muted">No run reported {metric}.</p>}
      {built && built.lines.length > 0 && <Chart data={built.columns} lines={built.lines} height={220} label={`${metric} by step, per variant`} />}
    </div>
  );
}
