/** Params of the compared runs side by side; rows that differ first and marked. */
import { useState } from 'react';
import { Section } from '../../components/bits.tsx';
import { diffParams } from '../../lib/params-diff.ts';
import type { CompareJob } from './use-compare.ts';

export function ParamsDiff({ jobs, colorOf }: { jobs: readonly CompareJob[]; colorOf: (id: number) => string }) {
  const [onlyDiff, setOnlyDiff] = useState(true);
  const rows = diffParams(jobs.map((j) => j.params));
  const shown = onlyDiff ? rows.filter((r) => r.differs) : rows;
  return (
    <Section title="Params" actions={<label className="inline"><input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked)} /> Only differences</label>}>
      {rows.length === 0 && <p className="muted">These runs have no params.</p>}
      {rows.length > 0 && shown.length === 0 && <p className="muted">All {rows.length} params are the same.</p>}
      {shown.length > 0 && (
        <div className="table-wrap">
          <table className="params-diff" data-testid="params-diff">
            <thead>
              <tr><th>param</th>{jobs.map((j) => <th key={j.id}><span className="swatch" style={{ background: colorOf(j.id) }} /> #{j.id}</th>)}</tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.key} className={r.differs ? 'differs' : ''}>
                  <th className="mono">{r.key}</th>
                  {r.values.map((v, i) => <td key={jobs[i].id} className="mono">{v === '' ? <span className="muted">–</span> : v}</td>)}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}
