/**
 * Parallel coordinates of the params that differ against the objective (hand-drawn SVG): one
 * axis per param and a last one for the objective's best value, one line per variant, coloured
 * from the best (teal) to the worst (orange). Numbers sit on a linear axis (log when every
 * value is positive and they span more than 100×); other values are spread evenly in order.
 */
import type { StudyReportView } from '../../../../src/core/api/study-report.ts';
import { formatValue } from '../../lib/format.ts';

const W = 760;
const H = 260;
const PAD = { top: 24, bottom: 28, left: 40, right: 60 };

interface Axis {
  readonly name: string;
  /** 0 (bottom) … 1 (top), or null where the variant has no value. */
  position(v: unknown): number | null;
  readonly ticks: readonly { readonly at: number; readonly label: string }[];
}

function axisOf(name: string, values: readonly unknown[]): Axis {
  const nums = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (nums.length === values.filter((v) => v !== undefined && v !== null).length && nums.length > 0) {
    const lo = Math.min(...nums);
    const hi = Math.max(...nums);
    const log = lo > 0 && hi / lo > 100;
    const f = (x: number) => (log ? Math.log10(x) : x);
    const span = f(hi) - f(lo) || 1;
    const position = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? (f(v) - f(lo)) / span : null);
    return { name, position, ticks: [{ at: 0, label: formatValue(lo) }, { at: 1, label: formatValue(hi) }] };
  }
  const distinct = [...new Set(values.map((v) => JSON.stringify(v ?? null)))].sort();
  const at = (i: number) => (distinct.length === 1 ? 0.5 : i / (distinct.length - 1));
  return {
    name,
    position: (v) => {
      const i = distinct.indexOf(JSON.stringify(v ?? null));
      return i < 0 ? null : at(i);
    },
    ticks: distinct.slice(0, 12).map((d, i) => ({ at: at(i), label: String(JSON.parse(d)) })),
  };
}

export function ParallelCoords({ report }: { report: StudyReportView }) {
  const metric = report.metrics.find((m) => m.name === report.objective?.metric) ?? report.metrics[0];
  if (!metric || report.differingParams.length === 0) {
    return <p className="muted">{metric ? 'Every variant has the same params.' : 'No metric to draw against.'}</p>;
  }
  const objective = (v: StudyReportView['variants'][number]) => v.metrics[metric.name]?.best?.mean ?? null;
  const axes = [
    ...report.differingParams.map((p) => axisOf(p, report.variants.map((v) => v.params[p]))),
    axisOf(`${metric.name} (best)`, report.variants.map(objective)),
  ];
  const values = report.variants.map(objective).filter((x): x is number => x !== null);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  // 0 = best, 1 = worst.
  const rank = (x: number | null) => (x === null || hi === lo ? 0.5 : metric.mode === 'min' ? (x - lo) / (hi - lo) : (hi - x) / (hi - lo));
  const x = (i: number) => PAD.left + (i * (W - PAD.left - PAD.right)) / (axes.length - 1);
  const y = (p: number) => PAD.top + (1 - p) * (H - PAD.top - PAD.bottom);
  const thin = report.variants.length > 100;
  // Best drawn last, on top.
  const order = [...report.variants].sort((a, b) => rank(objective(b)) - rank(objective(a)));

  return (
    <svg className="parallel-coords" data-testid="parallel-coords" viewBox={`0 0 ${W} ${H}`} width="100%" role="img"
      aria-label={`parallel coordinates of ${report.differingParams.join(', ')} against ${metric.name}`}>
      <g className="lines" fill="none">
        {order.map((v) => {
          const points = axes.map((a, i) => {
            const p = i === axes.length - 1 ? a.position(objective(v)) : a.position(v.params[report.differingParams[i]]);
            return p === null ? null : `${x(i).toFixed(1)},${y(p).toFixed(1)}`;
          });
          if (points.some((p) => p === null)) return null;
          const r = rank(objective(v));
          return <polyline key={v.group} data-variant={v.group} points={points.join(' ')} stroke={`hsl(${170 - r * 150} 70% 45%)`} strokeWidth={thin ? 0.6 : 1.5} strokeOpacity={thin ? 0.5 : 0.85} />;
        })}
      </g>
      {axes.map((a, i) => (
        <g key={a.name} className="axis">
          <line x1={x(i)} x2={x(i)} y1={y(0)} y2={y(1)} stroke="currentColor" strokeOpacity={0.5} />
          <text x={x(i)} y={H - 8} textAnchor="middle" fontSize={11} fill="currentColor">{a.name}</text>
          {a.ticks.map((t) => <text key={t.label} x={x(i) + 4} y={y(t.at) + 4} fontSize={10} fill="currentColor" opacity={0.7}>{t.label}</text>)}
        </g>
      ))}
    </svg>
  );
}
