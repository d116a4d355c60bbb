/**
 * The Gantt: one row per lane (a slot, or a job), bars placed by time as percentages of the
 * window, each a link to its job; a time axis on top and each lane's utilisation at the right.
 */
import { Fragment } from 'react';
import { runColor } from '../../components/chart.tsx';
import { formatDuration, formatTimestamp } from '../../lib/format.ts';
import { Link } from '../../router.tsx';
import type { TimelineBar } from './use-timeline.ts';

interface Props {
  readonly from: number;
  readonly to: number;
  readonly lanes: readonly string[];
  readonly bars: readonly TimelineBar[];
  readonly utilisation: Readonly<Record<string, number>> | null;
  readonly now: number;
}

export function GanttChart({ from, to, lanes, bars, utilisation, now }: Props) {
  const span = Math.max(1, to - from);
  const x = (t: number) => Math.max(0, Math.min(100, ((t - from) / span) * 100));
  const byLane = new Map<string, TimelineBar[]>(lanes.map((l) => [l, []]));
  for (const b of bars) byLane.get(b.lane)?.push(b);
  return (
    <div className="gantt" data-testid="gantt">
      <div className="gantt-row gantt-axis">
        <div className="gantt-label" />
        <div className="gantt-track">
          {ticks(from, to).map((t) => <span key={t} className="gantt-tick" style={{ left: `${x(t)}%` }}>{clock(t, span)}</span>)}
        </div>
        {utilisation && <div className="gantt-util muted">busy</div>}
      </div>
      {lanes.map((lane) => (
        <div key={lane} className="gantt-row" data-lane={lane}>
          <div className="gantt-label" title={lane}>{lane}</div>
          <div className="gantt-track">
            {ticks(from, to).map((t) => <span key={t} className="gantt-grid" style={{ left: `${x(t)}%` }} />)}
            {(byLane.get(lane) ?? []).map((b) => {
              const end = b.end ?? now;
              const left = x(b.start);
              const width = Math.max(0.3, x(end) - left);
              // A bar too narrow for its name gets the name beside it (after it, or before it near the right edge).
              const inside = width >= 8;
              const label = `#${b.jobId} ${b.name}`;
              return (
                <Fragment key={`${b.runId}-${lane}`}>
                  <Link to={`/jobs/${b.jobId}`} className={`gantt-bar bar-${b.state}`} data-job-id={b.jobId} aria-label={label}
                    style={{ left: `${left}%`, width: `${width}%`, background: runColor((b.jobId - 1) % 10) }}
                    title={`${label} · attempt ${b.attempt} · ${b.state}\n${formatTimestamp(b.start)} → ${b.end ? formatTimestamp(b.end) : 'running'} (${formatDuration((end - b.start) / 1000)})`}>
                    {inside ? label : ''}
                  </Link>
                  {!inside && (
                    <span className="gantt-outside" aria-hidden="true"
                      style={left + width < 80 ? { left: `calc(${left + width}% + 4px)` } : { right: `calc(${100 - left}% + 4px)` }}>
                      {label}
                    </span>
                  )}
                </Fragment>
              );
            })}
          </div>
          {utilisation && (
            <div className="gantt-util num" title={`${lane} busy ${(100 * (utilisation[lane] ?? 0)).toFixed(1)}% of the window`}>
              <span className="util-bar"><span style={{ width: `${Math.min(100, 100 * (utilisation[lane] ?? 0))}%` }} /></span>
              {Math.round(100 * (utilisation[lane] ?? 0))}%
            </div>
          )}
        </div>
      ))}
    </div>
  );
}

/** About six round times across the window. */
export function ticks(from: number, to: number): number[] {
  const steps = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400].map((s) => s * 1000);
  const step = steps.find((s) => (to - from) / s <= 8) ?? 86_400_000 * Math.ceil((to - from) / 86_400_000 / 8);
  const out: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) out.push(t);
  return out;
}

function clock(t: number, span: number): string {
  const d = new Date(t);
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  if (span < 5 * 60_000) return `${hm}:${String(d.getSeconds()).padStart(2, '0')}`;
  if (span > 2 * 86_400_000) return `${d.getMonth() + 1}/${d.getDate()} ${hm}`;
  return hm;
}
