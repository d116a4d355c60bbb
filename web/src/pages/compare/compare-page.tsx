/**
 * Compare runs: overlay one metric of the picked runs (server-side buckets: a band and a line
 * per run, never every point), each run's best checkpoint by that metric, and their params
 * side by side. The URL holds the state: /compare?jobs=3,4,7&key=loss.
 */
import { useCallback, useMemo, useState } from 'react';
import { BANDS_UP_TO, compareParams } from '../../api/requests.ts';
import { ErrorNote, Section, StateBadge } from '../../components/bits.tsx';
import { formatThousands, formatValue } from '../../lib/format.ts';
import { Link, navigate, useLocation } from '../../router.tsx';
import { CompareChart, runColor } from './compare-chart.tsx';
import { ParamsDiff } from './params-diff-table.tsx';
import { RunPicker } from './run-picker.tsx';
import { useCompare } from './use-compare.ts';

export function ComparePage() {
  const { query } = useLocation();
  const { ids, key } = useMemo(() => compareParams(query), [query]);
  const [zoom, setZoom] = useState<[number, number] | null>(null);
  const [picking, setPicking] = useState(ids.length === 0);
  const [bandsChoice, setBands] = useState<boolean | null>(null);
  const bands = bandsChoice ?? ids.length <= BANDS_UP_TO;
  const [smoothing, setSmoothing] = useState(0);
  const [logY, setLogY] = useState(false);
  const [hover, setHover] = useState<number | null>(null);
  const { data, error, loading } = useCompare(ids, key, zoom, bands);

  const go = useCallback((nextIds: readonly number[], nextKey: string) => {
    setZoom(null);
    navigate(`/compare?jobs=${nextIds.join(',')}${nextKey !== 'loss' ? `&key=${encodeURIComponent(nextKey)}` : ''}`, { replace: true });
  }, []);
  const toggle = (id: number) => go(ids.includes(id) ? ids.filter((i) => i !== id) : [...ids, id], key);
  const colorOf = useCallback((id: number) => runColor(ids.indexOf(id)), [ids]);

  const keys = useMemo(() => [...new Set((data?.jobs ?? []).flatMap((j) => j.keys))].sort(), [data]);
  const missing = data && data.jobs.length > 0 && !data.jobs.some((j) => j.found);
  const at = hover ?? (data ? data.steps.length - 1 : -1);

  return (
    <div className="page compare-page">
      <div className="page-head">
        <h1>Compare <span className="muted num">{ids.length} run{ids.length === 1 ? '' : 's'}</span></h1>
        <label className="inline">Metric
          <select value={key} onChange={(e) => go(ids, e.target.value)} aria-label="Metric">
            {!keys.includes(key) && <option value={key}>{key}</option>}
            {keys.map((k) => <option key={k} value={k}>{k}</option>)}
          </select>
        </label>
        <label className="inline"><input type="checkbox" checked={bands} onChange={(e) => setBands(e.target.checked)} /> Min/max bands</label>
        <label className="inline">Smoothing
          <input type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} aria-label="Smoothing" />
        </label>
        <label className="inline"><input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} /> Log scale</label>
        {zoom && <button type="button" onClick={() => setZoom(null)}>Reset zoom</button>}
        <button type="button" onClick={() => setPicking((p) => !p)} aria-expanded={picking}>{picking ? 'Hide run list' : 'Pick runs…'}</button>
        {loading && <span className="muted">loading…</span>}
      </div>
      {picking && <RunPicker picked={ids} onToggle={toggle} onClose={() => setPicking(false)} />}
      <ErrorNote error={error} />
      {ids.length === 0 && <p className="empty">Pick two or more runs to overlay their metrics, or tick jobs on the jobs page and press <kbd>c</kbd>.</p>}
      {missing && <p className="empty">None of these runs logged <b>{key}</b>{keys.length > 0 && <> — try <button type="button" className="link" onClick={() => go(ids, keys[0])}>{keys[0]}</button></>}.</p>}
      {data && data.jobs.length > 0 && !missing && (
        <div className="panel" data-testid="compare-chart">
          <CompareChart data={data} colorOf={colorOf} bands={bands} smoothing={smoothing} logY={logY} zoom={zoom} onZoom={setZoom} onHover={setHover} />
          <p className="hint muted">
            {formatThousands(data.steps.length)} shared columns{data.from !== null && <> over steps {formatThousands(data.from)}–{formatThousands(data.to)}</>}.
            Drag to zoom (finer buckets are fetched); double-click to zoom out.
          </p>
        </div>
      )}
      {data && data.jobs.length > 0 && (
        <Section title="Runs">
          <div className="table-wrap">
            <table data-testid="compare-runs">
              <thead><tr><th /><th>Run</th><th>State</th><th className="num">{key}{hover !== null && data.steps[at] !== undefined ? ` @ ${formatThousands(data.steps[at])}` : ' (last)'}</th><th className="num">Best checkpoint ({data.goal === 'min' ? 'lowest' : 'highest'} {key})</th><th /></tr></thead>
              <tbody>
                {data.jobs.map((j) => (
                  <tr key={j.id}>
                    <td><span className="swatch" style={{ background: colorOf(j.id) }} /></td>
                    <td><Link to={`/jobs/${j.id}`}>#{j.id} {j.name}</Link></td>
                    <td><StateBadge state={j.state} /></td>
                    <td className="num">{j.found ? formatValue(valueAt(j.last, at)) : <span className="muted">not logged</span>}</td>
                    <td className="num">{j.best ? <>{formatValue(j.best.metrics[key])} <span className="muted">at step {formatThousands(j.best.step)}</span></> : <span className="muted">–</span>}</td>
                    <td><button type="button" className="link" onClick={() => toggle(j.id)} aria-label={`Remove run ${j.id}`}>remove</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Section>
      )}
      {data && data.jobs.length > 1 && <ParamsDiff jobs={data.jobs} colorOf={colorOf} />}
    </div>
  );
}

/** The value at column `i`, or the last non-null one before it. */
function valueAt(values: readonly (number | null)[], i: number): number | null {
  for (let k = Math.min(i, values.length - 1); k >= 0; k--) if (values[k] !== null) return values[k];
  return null;
}
