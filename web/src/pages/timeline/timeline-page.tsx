/**
 * Timeline: a Gantt of runs on GPU/CPU slots (or one row per job) over a window, each slot's
 * utilisation, and the queue depth over time. Click a bar to open its job.
 */
import { useMemo } from 'react';
import { ErrorNote, Segmented, useNow } from '../../components/bits.tsx';
import { layoutByJob } from '../../lib/gantt.ts';
import { navigate, useLocation } from '../../router.tsx';
import { GanttChart } from './gantt-chart.tsx';
import { useTimeline, type TimelineModel } from './use-timeline.ts';

const WINDOWS = [['5m', '5 min'], ['15m', '15 min'], ['1h', '1 h'], ['6h', '6 h'], ['24h', '24 h'], ['7d', '7 d']] as const;
type WindowKey = (typeof WINDOWS)[number][0];
const WINDOW_MS: Record<WindowKey, number> = { '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '6h': 21_600_000, '24h': 86_400_000, '7d': 604_800_000 };

export function TimelinePage() {
  const { query } = useLocation();
  const win = (query.get('window') as WindowKey) in WINDOW_MS ? (query.get('window') as WindowKey) : '1h';
  const view = query.get('by') === 'job' ? 'job' : 'slot';
  const set = (next: { window?: string; by?: string }) => {
    const params = new URLSearchParams({ window: next.window ?? win, by: next.by ?? view });
    navigate(`/timeline?${params}`, { replace: true });
  };
  const { model, error } = useTimeline(WINDOW_MS[win]);
  const now = useNow(2000);
  const byJob = useMemo(() => (model && view === 'job' ? jobLanes(model, now) : null), [model, view, now]);

  return (
    <div className="page timeline-page">
      <div className="page-head">
        <h1>Timeline</h1>
        <Segmented label="Rows" value={view} options={[['slot', 'By slot'], ['job', 'By job']]} onChange={(by) => set({ by })} />
        <Segmented label="Window" value={win} options={WINDOWS} onChange={(w) => set({ window: w })} />
        {model?.source === 'derived' && <span className="muted" title="This server has no timeline route: slots are inferred from each job's runs">slots inferred from runs</span>}
      </div>
      <ErrorNote error={error} />
      {!model && !error && <p className="muted">Loading…</p>}
      {model && model.bars.length === 0 && <p className="empty">Nothing ran in the last {WINDOWS.find((w) => w[0] === win)?.[1]}.</p>}
      {model && (model.bars.length > 0 || model.lanes.length > 0) && (
        <div className="panel">
          {byJob
            ? <GanttChart from={model.from} to={model.to} lanes={byJob.lanes} bars={byJob.bars} utilisation={null} now={now} />
            : <GanttChart from={model.from} to={model.to} lanes={model.lanes} bars={model.bars} utilisation={model.utilisation} now={now} />}
        </div>
      )}
      {model && model.queue.length > 1 && <QueueDepth queue={model.queue} />}
    </div>
  );
}

/** The same runs, one row per job (a run on several slots once). */
function jobLanes(model: TimelineModel, now: number) {
  const seen = new Set<number>();
  const runs = model.bars.filter((b) => !seen.has(b.runId) && seen.add(b.runId)).map((b) => ({ ...b, gpus: 0, cpus: 0 }));
  const layout = layoutByJob(runs, now);
  return { lanes: layout.lanes, bars: layout.bars.map((b) => ({ ...b.run, lane: b.lane })) };
}

function QueueDepth({ queue }: { queue: TimelineModel['queue'] }) {
  const max = Math.max(1, ...queue.map((q) => q.depth));
  const t0 = queue[0].t;
  const span = Math.max(1, queue[queue.length - 1].t - t0);
  const points = queue.flatMap((q, i) => {
    const x = ((q.t - t0) / span) * 1000;
    const y = 60 - (q.depth / max) * 56;
    const prevY = i === 0 ? 60 : 60 - (queue[i - 1].depth / max) * 56;
    return [`${x},${prevY}`, `${x},${y}`];
  });
  return (
    <div className="panel queue-depth">
      <div className="panel-head"><h3>Queue depth</h3><span className="muted">peak {max} waiting · now {queue[queue.length - 1].depth}</span></div>
      <svg viewBox="0 0 1000 60" preserveAspectRatio="none" role="img" aria-label="Jobs waiting over time">
        <polygon points={`0,60 ${points.join(' ')} 1000,60`} className="queue-area" />
      </svg>
    </div>
  );
}
