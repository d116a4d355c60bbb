/**
 * One live metric chart of a job. Reads the series bucketed (min/max band + last line when it
 * is long, raw points when short), appends each point the event stream announces (so the chart
 * moves within a second of a log call), and refills from the server every few seconds to pick
 * up the points between announcements. Zooming reads the selected range at full resolution.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type uPlot from 'uplot';
import { Chart, type ChartLine } from '../../components/chart.tsx';
import { ema } from '../../lib/ema.ts';
import { formatThousands, formatValue } from '../../lib/format.ts';
import { appendPoint, EMPTY_SERIES, fromResponse, mergeRange, positiveOnly, type ChartSeries, type SeriesResponse } from '../../lib/series.ts';
import { useEvent, useSession } from '../../session.tsx';

/** Columns read per chart; a chart is at most a few thousand pixels wide. */
const BUCKETS = 1000;
/** How often announced points are reconciled with the stored series. */
const REFILL_MS = 5000;

interface Props {
  readonly jobId: number;
  readonly seriesKey: string;
  readonly smoothing: number;
  readonly logY: boolean;
}

export function MetricPanel({ jobId, seriesKey, smoothing, logY }: Props) {
  const { api } = useSession();
  const [full, setFull] = useState<ChartSeries>(EMPTY_SERIES);
  const [zoom, setZoom] = useState<{ range: [number, number]; fine: ChartSeries } | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const announced = useRef(0);
  const path = `/api/v1/jobs/${jobId}/metrics/${encodeURIComponent(seriesKey)}`;

  const load = useCallback(async () => {
    try {
      setFull(fromResponse(await api.get<SeriesResponse>(path, { buckets: BUCKETS })));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [api, path]);

  useEffect(() => void load(), [load]);
  useEffect(() => {
    const timer = setInterval(() => {
      if (announced.current === 0) return;
      announced.current = 0;
      void load();
    }, REFILL_MS);
    return () => clearInterval(timer);
  }, [load]);

  useEvent('metrics', (event) => {
    const point = event.jobId === jobId ? event.latest[seriesKey] : undefined;
    if (!point) return;
    announced.current++;
    setFull((s) => appendPoint(s, point.step, point.value));
  }, [jobId, seriesKey]);

  const onZoom = useCallback(async (range: [number, number] | null) => {
    if (!range) {
      setZoom(null);
      void load();
      return;
    }
    try {
      const fine = fromResponse(await api.get<SeriesResponse>(path, { buckets: BUCKETS, from: Math.floor(range[0]), to: Math.ceil(range[1]) }));
      setZoom({ range, fine });
    } catch (e) {
      setError((e as Error).message);
    }
  }, [api, path, load]);

  const shown = useMemo(() => (zoom ? mergeRange(full, zoom.fine, zoom.range[0], zoom.range[1]) : full), [full, zoom]);
  const { data, lines, bands } = useMemo(() => columns(shown, smoothing, logY), [shown, smoothing, logY]);
  const lastIndex = shown.x.length - 1;
  const at = hover ?? lastIndex;

  return (
    <div className="panel metric-panel" data-testid={`chart-${seriesKey}`}>
      <div className="panel-head">
        <h3 title={seriesKey}>{seriesKey}</h3>
        <span className="num readout">
          {at >= 0 ? <>{formatValue(shown.line[at])} <span className="muted">@ {formatThousands(shown.x[at])}</span></> : <span className="muted">no points</span>}
        </span>
        {shown.min && <span className="badge" title="Long series: each column is a bucket's min/max band and last value">bucketed</span>}
        {zoom && <button type="button" className="link" onClick={() => void onZoom(null)}>reset zoom</button>}
      </div>
      {error && <p className="error">{error}</p>}
      <Chart data={data} lines={lines} bands={bands} logY={logY} xRange={zoom?.range ?? null} onZoom={(r) => void onZoom(r)} onHover={setHover}
        label={`${seriesKey} by step`} height={200} />
    </div>
  );
}

/** uPlot columns: [step, (max, min,) line, (smoothed)]. */
function columns(s: ChartSeries, smoothing: number, logY: boolean): { data: uPlot.AlignedData; lines: ChartLine[]; bands: Array<[number, number, string]> } {
  const fit = logY ? positiveOnly : (v: (number | null)[]) => v;
  const line = fit(s.line);
  const data: (number | null)[][] = [s.x];
  const lines: ChartLine[] = [];
  const bands: Array<[number, number, string]> = [];
  if (s.min && s.max) {
    data.push(fit(s.max), fit(s.min));
    lines.push({ label: 'max', stroke: '', bandEdge: true }, { label: 'min', stroke: '', bandEdge: true });
    bands.push([1, 2, 'rgba(78, 161, 255, 0.22)']);
  }
  if (smoothing > 0) {
    data.push(line, ema(line, smoothing));
    lines.push({ label: 'raw', stroke: 'rgba(78, 161, 255, 0.35)', width: 1 }, { label: 'smoothed', stroke: '#4ea1ff', width: 2 });
  } else {
    data.push(line);
    lines.push({ label: 'value', stroke: '#4ea1ff', width: 1.5 });
  }
  return { data: data as uPlot.AlignedData, lines, bands };
}
