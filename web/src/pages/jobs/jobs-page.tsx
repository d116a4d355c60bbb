/**
 * Jobs: every job with its state, progress and ETA, current loss, slots and age; filter, sort,
 * pick runs to compare, act. Keyboard: j/k move, Enter opens, s stops, p pauses or resumes,
 * +/- change priority, x picks for compare, c compares, / filters, Esc leaves the filter.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { JOB_STATES } from '../../../../src/core/types.ts';
import { ErrorNote, useNow } from '../../components/bits.tsx';
import { PRIORITY_CLASSES, priorityClassOf, useJobCommands } from '../../components/job-actions.tsx';
import { formatThousands } from '../../lib/format.ts';
import { compareJobs, parseQuery, type SortKey, type SortOrder } from '../../lib/job-filter.ts';
import { navigate, useLocation } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { JobsTable } from './jobs-table.tsx';
import { lossOf, useJobs } from './use-jobs.ts';

/** Rows drawn at first; more on request, so a 10,000-job list stays quick. */
const PAGE_ROWS = 100;
/** A chip per state that some job is in, in the order of a job's life. */
const STATE_CHIPS = JOB_STATES;

export function JobsPage() {
  const { canWrite, caps } = useSession();
  const { jobs, latest, loaded, error, upsert } = useJobs();
  const { query: params } = useLocation();
  const [query, setQuery] = useState(() => params.get('q') ?? '');
  const [order, setOrder] = useState<SortOrder>({ key: 'id', descending: true });
  const [selected, setSelected] = useState<number | null>(null);
  const [picked, setPicked] = useState<ReadonlySet<number>>(new Set());
  const [limit, setLimit] = useState(PAGE_ROWS);
  const filterRef = useRef<HTMLInputElement>(null);
  const commands = useJobCommands(upsert);
  const now = useNow(15_000);

  const visible = useMemo(() => {
    const byLoss = (id: number) => lossOf(latest.get(id))?.value ?? null;
    return jobs.filter(parseQuery(query)).sort(compareJobs(order, byLoss));
  }, [jobs, latest, query, order]);
  const shown = visible.slice(0, limit);
  const counts = useMemo(() => {
    const c: Record<string, number> = {};
    for (const j of jobs) c[j.state] = (c[j.state] ?? 0) + 1;
    return c;
  }, [jobs]);

  useEffect(() => navigate(query ? `/?q=${encodeURIComponent(query)}` : '/', { replace: true }), [query]);

  const onSort = useCallback((key: SortKey) => setOrder((o) => ({ key, descending: o.key === key ? !o.descending : key === 'id' || key === 'progress' })), []);
  const onPick = useCallback((id: number) => setPicked((s) => {
    const next = new Set(s);
    if (!next.delete(id)) next.add(id);
    return next;
  }), []);
  const compare = () => picked.size > 0 && navigate(`/compare?jobs=${[...picked].join(',')}`);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (e.ctrlKey || e.metaKey || e.altKey || target.closest('input, textarea, select, dialog')) {
        return;
      }
      const index = shown.findIndex((j) => j.id === selected);
      const job = index >= 0 ? shown[index] : null;
      const move = (d: number) => {
        const next = shown[Math.max(0, Math.min(shown.length - 1, index + d))];
        if (next) setSelected(next.id);
      };
      const handled = (() => {
        switch (e.key) {
          case 'j': case 'ArrowDown': move(1); return true;
          case 'k': case 'ArrowUp': move(-1); return true;
          case '/': filterRef.current?.focus(); return true;
          case 'c': compare(); return true;
          case 'Escape': setSelected(null); return true;
        }
        if (!job) return false;
        switch (e.key) {
          case 'Enter': case 'o': navigate(`/jobs/${job.id}`); return true;
          case 'x': onPick(job.id); return true;
          case 's': if (commands.canStop(job)) void commands.stop(job); return true;
          case 'p':
            if (commands.canResume(job)) void commands.resume(job);
            else if (commands.canPause(job)) void commands.pause(job);
            return true;
          case '+': case '-': {
            const i = PRIORITY_CLASSES.indexOf(priorityClassOf(job) as never);
            const next = PRIORITY_CLASSES[Math.max(0, Math.min(2, (i < 0 ? 1 : i) + (e.key === '+' ? -1 : 1)))];
            if (commands.canPrioritise(job)) void commands.setPriority(job, next);
            return true;
          }
        }
        return false;
      })();
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  useEffect(() => {
    if (selected !== null) document.querySelector(`tr[data-job-id="${selected}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  const showPriority = jobs.some((j) => priorityClassOf(j) !== null);
  return (
    <div className="page jobs-page">
      <div className="page-head">
        <h1>Jobs <span className="muted num">{formatThousands(jobs.length)}</span></h1>
        <div className="chips" role="group" aria-label="Filter by state">
          {STATE_CHIPS.filter((s) => counts[s]).map((s) => {
            const on = query.includes(`state:${s}`);
            return (
              <button key={s} type="button" className={`chip state-${s} ${on ? 'on' : ''}`} aria-pressed={on}
                onClick={() => setQuery(on ? query.replace(`state:${s}`, '').trim() : `state:${s}`)}>
                {s} <span className="num">{formatThousands(counts[s])}</span>
              </button>
            );
          })}
        </div>
        <input ref={filterRef} className="filter" type="search" value={query} onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            // Esc leaves the box and keeps the filter (a search box would clear itself).
            if (e.key === 'Escape') {
              e.preventDefault();
              e.currentTarget.blur();
            }
          }}
          placeholder="Filter: name, state:running, tag:nightly   ( / )" aria-label="Filter jobs" />
        <button type="button" disabled={picked.size === 0} onClick={compare} title="Compare the picked jobs (c)">
          Compare {picked.size > 0 ? picked.size : ''}
        </button>
      </div>
      <ErrorNote error={error ?? commands.error} />
      {loaded && jobs.length === 0 && <p className="empty">No jobs yet. Submit one with <code>trainyard submit job.yaml</code>.</p>}
      {!loaded && <p className="muted">Loading jobs…</p>}
      {shown.length > 0 && (
        <JobsTable jobs={shown} latest={latest} order={order} onSort={onSort} selected={selected} onSelect={setSelected}
          picked={picked} onPick={onPick} commands={commands} showPriority={showPriority} showActions={canWrite} now={now} />
      )}
      {visible.length > shown.length && (
        <button type="button" className="more" onClick={() => setLimit((l) => l + 1000)}>
          Show more ({formatThousands(visible.length - shown.length)} hidden)
        </button>
      )}
      {loaded && jobs.length > 0 && visible.length === 0 && <p className="empty">No job matches “{query}”.</p>}
      <p className="hint muted">
        Keys: <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> open · <kbd>x</kbd> pick · <kbd>c</kbd> compare · <kbd>/</kbd> filter
        {canWrite && <> · <kbd>s</kbd> stop{caps.pause && <> · <kbd>p</kbd> pause/resume</>}{caps.priority && <> · <kbd>+</kbd>/<kbd>-</kbd> priority</>}</>}
      </p>
      {commands.dialog}
    </div>
  );
}
