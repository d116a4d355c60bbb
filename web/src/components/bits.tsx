/** Small shared pieces: state badges, progress bars, relative times, notes. */
import { useEffect, useState, type ReactNode } from 'react';
import { LIVE_JOB_STATES } from '../../../src/core/types.ts';
import { formatDuration, formatRelative, formatThousands, formatTimestamp, percentDone } from '../lib/format.ts';

/** The current time, refreshed every `ms` (relative times, running durations). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

const LIVE: ReadonlySet<string> = new Set(LIVE_JOB_STATES);

export function StateBadge({ state }: { state: string }) {
  return <span className={`state state-${state}`} data-state={state}>{state}</span>;
}

export interface ProgressLike {
  readonly step: number | null;
  readonly total: number | null;
  readonly etaSeconds: number | null;
}

/** A bar with "step/total" and the ETA; a bare step count when the total is unknown. */
export function ProgressBar({ progress, state, compact = false }: { progress: ProgressLike; state: string; compact?: boolean }) {
  const pct = percentDone(progress);
  const live = LIVE.has(state);
  const label = progress.step === null ? '' : progress.total ? `${formatThousands(progress.step)} / ${formatThousands(progress.total)}` : `step ${formatThousands(progress.step)}`;
  const eta = live && progress.etaSeconds !== null ? `ETA ${formatDuration(progress.etaSeconds)}` : '';
  return (
    <div className={`progress ${compact ? 'compact' : ''}`} title={pct === null ? label : `${pct.toFixed(1)}%  ${label}`}>
      <div className="progress-track" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct === null ? undefined : Math.round(pct)}>
        <div className={`progress-fill state-bg-${state}`} style={{ width: `${pct ?? 0}%` }} data-testid="progress-fill" />
      </div>
      <div className="progress-text">
        <span className="num">{label || '–'}</span>
        {eta && <span className="muted"> · {eta}</span>}
      </div>
    </div>
  );
}

export function RelTime({ time, now }: { time: number | null | undefined; now: number }) {
  if (time === null || time === undefined) return <span className="muted">–</span>;
  return <time dateTime={new Date(time).toISOString()} title={formatTimestamp(time)}>{formatRelative(time, now)}</time>;
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return <p className="error" role="alert">{error instanceof Error ? error.message : String(error)}</p>;
}

export function Section({ title, actions, children, id }: { title: ReactNode; actions?: ReactNode; children: ReactNode; id?: string }) {
  return (
    <section className="section" id={id}>
      <div className="section-head">
        <h2>{title}</h2>
        {actions && <div className="section-actions">{actions}</div>}
      </div>
      {children}
    </section>
  );
}

/** A segmented toggle, e.g. [Slots | Jobs]. */
export function Segmented<T extends string>({ value, options, onChange, label }: { value: T; options: ReadonlyArray<readonly [T, string]>; onChange: (v: T) => void; label: string }) {
  return (
    <div className="segmented" role="radiogroup" aria-label={label}>
      {options.map(([v, text]) => (
        <button key={v} type="button" role="radio" aria-checked={v === value} className={v === value ? 'on' : ''} onClick={() => onChange(v)}>{text}</button>
      ))}
    </div>
  );
}
