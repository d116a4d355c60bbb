/**
 * Studies (shown when the server lists `GET /api/v1/studies`): every study with its state and
 * counts; a study's page (/studies/NAME) has its report (the table, sortable, best marked,
 * baselines; the chosen metrics charted per variant; parallel coordinates of the params against
 * the objective; artifacts side by side) and its trials (state, params, early-stopping
 * decision). Re-read on `study.*` events and every 10 s.
 */
import { useEffect, useState } from 'react';
import type { StudySummary, StudyView } from '../../../../src/core/api/studies.ts';
import type { StudyReportView } from '../../../../src/core/api/study-report.ts';
import { useLiveGet } from '../../api/live-get.ts';
import { studyReportUrl as reportUrl, studyUrl } from '../../api/requests.ts';
import { ErrorNote, RelTime, Section, Segmented, StateBadge, useNow } from '../../components/bits.tsx';
import { formatValue } from '../../lib/format.ts';
import { Link, useLocation } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { ArtifactsSide } from './artifacts-side.tsx';
import { MetricCharts } from './metric-charts.tsx';
import { ParallelCoords } from './parallel-coords.tsx';
import { ReportTable } from './report-table.tsx';

const REFRESH_MS = 10_000;

export const STUDIES_URL = '/api/v1/studies';
export const studyPath = (name: string) => `/studies/${encodeURIComponent(name)}`;

/** Loads `url` now, on `study.*` events, on a resync and every 10 s. */
function useLoaded<T>(url: string): { readonly data: T | null; readonly error: unknown } {
  return useLiveGet<T>(url, (type) => type.startsWith('study.'), REFRESH_MS);
}

export function StudiesPage({ name }: { name?: string }) {
  return name ? <StudyDetail name={name} /> : <StudyList />;
}

function countsText(s: StudySummary): string {
  const c = s.counts;
  return [c.succeeded && `${c.succeeded} succeeded`, c.failed && `${c.failed} failed`, c.stopped && `${c.stopped} stopped`, c.active && `${c.active} active`, c.held && `${c.held} held`, c.pending && `${c.pending} pending`].filter(Boolean).join(', ') || 'none';
}

function StudyList() {
  const { data, error } = useLoaded<{ studies: StudySummary[] }>(STUDIES_URL);
  const now = useNow(30_000);
  const list = data?.studies ?? null;
  return (
    <div className="page studies-page">
      <div className="page-head"><h1>Studies {list && <span className="muted num">{list.length}</span>}</h1></div>
      <ErrorNote error={error} />
      {!list && !error && <p className="muted">Loading…</p>}
      {list?.length === 0 && <p className="empty">No studies. Submit one with <code>trainyard study submit study.yaml</code>; docs/studies.md.</p>}
      {list && list.length > 0 && (
        <div className="table-wrap">
          <table data-testid="studies">
            <thead><tr><th>Name</th><th>State</th><th>Trials</th><th>Search</th><th>Objective</th><th>Created</th></tr></thead>
            <tbody>{list.map((s) => (
              <tr key={s.name} data-study={s.name}>
                <td><Link to={studyPath(s.name)}><b>{s.name}</b></Link>{s.reason && <div className="muted small">{s.reason}</div>}</td>
                <td><StateBadge state={s.state} /></td>
                <td className="num">{s.trialCount} <span className="muted">({countsText(s)})</span></td>
                <td>{s.search}</td>
                <td>{s.objective ? `${s.objective.metric} (${s.objective.mode})` : '–'}</td>
                <td><RelTime time={s.createdAt} now={now} /></td>
              </tr>
            ))}</tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function StudyDetail({ name }: { name: string }) {
  const { api } = useSession();
  // `?metrics=a,b` in the page's address chooses the metrics (default: the objective).
  const { query } = useLocation();
  const [metrics, setMetrics] = useState(() => query.get('metrics') ?? '');
  const [draft, setDraft] = useState(metrics);
  const [tab, setTab] = useState<'report' | 'trials'>('report');
  const study = useLoaded<StudyView>(studyUrl(name));
  const report = useLoaded<StudyReportView>(reportUrl(name, metrics));
  const s = study.data;
  const r = report.data;
  // The charts, parallel coordinates and images come a frame after the table, so they never hold it back.
  const [later, setLater] = useState(false);
  useEffect(() => {
    if (!r || later) return;
    const frame = requestAnimationFrame(() => setLater(true));
    return () => cancelAnimationFrame(frame);
  }, [r, later]);

  const download = async (format: 'md' | 'csv') => {
    const { text } = await api.text(`${studyUrl(name)}/report`, { format, metrics: metrics || undefined });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: format === 'md' ? 'text/markdown' : 'text/csv' }));
    a.download = `${name}-report.${format}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };

  return (
    <div className="page study-page" data-study={name}>
      <div className="page-head">
        <h1><Link to="/studies" className="muted">Studies</Link> / {name} {s && <StateBadge state={s.state} />}</h1>
      </div>
      <ErrorNote error={study.error ?? report.error} />
      {s && (
        <p className="muted" data-testid="study-summary">
          {s.trialCount} trials ({countsText(s)}) · {s.search} search · {s.parallelism} at a time
          {s.objective && <> · objective {s.objective.metric} ({s.objective.mode}){s.best && <> · best trial {s.best.index} (#{s.best.jobId}) {formatValue(s.best.value)}</>}</>}
          {s.reason && <> · {s.reason}</>}
        </p>
      )}
      <div className="toolbar">
        <Segmented value={tab} onChange={setTab} label="view" options={[['report', 'Report'], ['trials', 'Trials']]} />
        <form onSubmit={(e) => { e.preventDefault(); setMetrics(draft.trim()); }}>
          <input value={draft} onChange={(e) => setDraft(e.target.value)} placeholder={s?.objective?.metric ?? 'metrics, comma-separated'} aria-label="metrics" size={28} />
          <button type="submit">Show</button>
        </form>
        <button type="button" onClick={() => void download('md')}>Markdown</button>
        <button type="button" onClick={() => void download('csv')}>CSV</button>
      </div>
      {tab === 'report' && !r && !report.error && <p className="muted">Loading…</p>}
      {tab === 'report' && r && (
        <>
          <Section title="Report"><ReportTable report={r} /></Section>
          <p className="muted small" data-testid="report-footnote">
            spec sha256 <code>{r.specHash.slice(0, 12)}</code> · {r.totals.trials} trials · {formatValue(r.totals.gpuHours)} GPU-hours · best per column ★
            ({r.metrics.map((m) => `${m.name}: ${m.mode}`).join(', ') || 'no metric'})
          </p>
          {later && (
            <>
              <Section title="Metrics per variant"><MetricCharts report={r} /></Section>
              <Section title="Params against the objective"><ParallelCoords report={r} /></Section>
              <Section title="Artifacts side by side"><ArtifactsSide report={r} /></Section>
            </>
          )}
        </>
      )}
      {tab === 'trials' && s && <TrialsTable study={s} />}
    </div>
  );
}

function TrialsTable({ study }: { study: StudyView }) {
  const params = [...new Set(study.trials.flatMap((t) => Object.keys(t.params)))];
  return (
    <div className="table-wrap">
      <table data-testid="study-trials">
        <thead><tr><th>Trial</th><th>State</th>{params.map((p) => <th key={p}>{p}</th>)}<th>Job</th><th>{study.objective?.metric ?? 'Objective'}</th><th>Decision</th></tr></thead>
        <tbody>{study.trials.map((t) => (
          <tr key={t.index} data-trial={t.index}>
            <td className="num">{t.index}</td>
            <td><StateBadge state={t.state} />{t.outcome && t.state === 'failed' && <span className="muted small"> {t.outcome.kind}</span>}</td>
            {params.map((p) => <td key={p} className="num">{typeof t.params[p] === 'string' ? (t.params[p] as string) : JSON.stringify(t.params[p])}</td>)}
            <td>{t.jobId !== null ? <Link to={`/jobs/${t.jobId}`}>#{t.jobId}</Link> : '–'}</td>
            <td className="num">{t.objective ? `${formatValue(t.objective.value)} @${t.objective.step}` : '–'}</td>
            <td className="small" title={t.decision?.reason}>{t.decision ? `${t.decision.policy} ${t.decision.action} at ${t.decision.step}` : ''}</td>
          </tr>
        ))}</tbody>
      </table>
    </div>
  );
}
