/** Pick the runs to compare: a filterable list of jobs with checkboxes. */
import { useEffect, useMemo, useState } from 'react';
import type { Job } from '../../api/http.ts';
import { StateBadge } from '../../components/bits.tsx';
import { parseQuery } from '../../lib/job-filter.ts';
import { useSession } from '../../session.tsx';

/** Jobs offered. Default: the newest 1,000. */
const OFFERED = 1000;

export function RunPicker({ picked, onToggle, onClose }: { picked: readonly number[]; onToggle: (id: number) => void; onClose: () => void }) {
  const { api } = useSession();
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [query, setQuery] = useState('');
  useEffect(() => {
    api.get<{ jobs: Job[] }>('/api/v1/jobs', { limit: OFFERED }).then((r) => setJobs(r.jobs), () => setJobs([]));
  }, [api]);
  const shown = useMemo(() => (jobs ?? []).filter(parseQuery(query)).slice(0, 300), [jobs, query]);
  return (
    <div className="panel picker" data-testid="run-picker">
      <div className="panel-head">
        <h3>Pick runs</h3>
        <input type="search" autoFocus placeholder="Filter: name, state:succeeded, tag:sweep" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Filter runs" />
        <button type="button" onClick={onClose}>Done</button>
      </div>
      {jobs === null && <p className="muted">Loading…</p>}
      <ul className="picker-list">
        {shown.map((j) => (
          <li key={j.id}>
            <label>
              <input type="checkbox" checked={picked.includes(j.id)} onChange={() => onToggle(j.id)} />
              <span className="num muted">#{j.id}</span> {j.name} <StateBadge state={j.state} />
              {j.spec.tags.map((t) => <span key={t} className="tag">{t}</span>)}
            </label>
          </li>
        ))}
      </ul>
    </div>
  );
}
