/** Every metric series of a job as a live chart, with smoothing and log-scale toggles for all. */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { SeriesInfo } from '../../api/http.ts';
import { Section } from '../../components/bits.tsx';
import { formatThousands } from '../../lib/format.ts';
import { useEvent, useSession } from '../../session.tsx';
import { MetricPanel } from './metric-panel.tsx';

/** Charts drawn before "show all": each one is a request and a canvas. */
const FIRST_CHARTS = 24;

export function ChartsSection({ jobId }: { jobId: number }) {
  const { api } = useSession();
  const [series, setSeries] = useState<SeriesInfo[] | null>(null);
  const [smoothing, setSmoothing] = useState(() => Number(localStorage.getItem('trainyard.smoothing') ?? 0));
  const [logY, setLogY] = useState(false);
  const [filter, setFilter] = useState('');
  const [all, setAll] = useState(false);
  const known = useRef(new Set<string>());

  const load = useCallback(async () => {
    const { series: list } = await api.get<{ series: SeriesInfo[] }>(`/api/v1/jobs/${jobId}/metrics`);
    known.current = new Set(list.map((s) => s.key));
    setSeries(list);
  }, [api, jobId]);
  useEffect(() => void load().catch(() => setSeries([])), [load]);

  // A key logged for the first time gets its chart.
  useEvent('metrics', (event) => {
    if (event.jobId === jobId && Object.keys(event.latest).some((k) => !known.current.has(k))) {
      Object.keys(event.latest).forEach((k) => known.current.add(k));
      void load();
    }
  }, [jobId, load]);

  const setSmooth = (v: number) => {
    setSmoothing(v);
    localStorage.setItem('trainyard.smoothing', String(v));
  };
  const matching = (series ?? []).filter((s) => s.key.toLowerCase().includes(filter.toLowerCase()));
  const shown = all ? matching : matching.slice(0, FIRST_CHARTS);

  return (
    <Section id="charts" title={<>Metrics {series && <span className="muted num">{series.length}</span>}</>} actions={
      <>
        {series && series.length > 6 && <input type="search" placeholder="Filter metrics" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Filter metrics" />}
        <label className="inline" title="Exponential moving average of the line">
          Smoothing
          <input type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmooth(Number(e.target.value))} aria-label="Smoothing" />
          <span className="num">{smoothing.toFixed(2)}</span>
        </label>
        <label className="inline"><input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} /> Log scale</label>
      </>
    }>
      {series === null && <p className="muted">Loading metrics…</p>}
      {series?.length === 0 && <p className="empty">No metrics yet. They appear here as the script logs them.</p>}
      <div className="chart-grid">
        {shown.map((s) => <MetricPanel key={s.key} jobId={jobId} seriesKey={s.key} smoothing={smoothing} logY={logY} />)}
      </div>
      {matching.length > shown.length && (
        <button type="button" className="more" onClick={() => setAll(true)}>Show all {formatThousands(matching.length)} metrics</button>
      )}
      {series && series.length > 0 && <p className="hint muted">Drag across a chart to zoom (finer data is fetched); double-click to zoom out.</p>}
    </Section>
  );
}
