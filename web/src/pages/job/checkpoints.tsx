/** Registered checkpoints with their metrics, kept live by `checkpoint` events; the best is starred. */
import { useCallback, useEffect, useState } from 'react';
import type { Checkpoint, Run } from '../../api/http.ts';
import { RelTime, Section } from '../../components/bits.tsx';
import { formatBytes, formatThousands, formatValue } from '../../lib/format.ts';
import { goalFor } from '../../lib/params-diff.ts';
import { useEvent, useSession } from '../../session.tsx';

export function Checkpoints({ jobId, runs, now }: { jobId: number; runs: readonly Run[]; now: number }) {
  const { api } = useSession();
  const [list, setList] = useState<Checkpoint[] | null>(null);
  const load = useCallback(() => {
    api.get<{ checkpoints: Checkpoint[] }>(`/api/v1/jobs/${jobId}/checkpoints`).then((r) => setList(r.checkpoints), () => setList((l) => l ?? []));
  }, [api, jobId]);
  useEffect(load, [load]);
  // Re-read rather than merge: a new checkpoint may have made retention delete an older one.
  useEvent('checkpoint', (cp) => {
    if (cp.jobId === jobId) load();
  }, [jobId, load]);
  const keys = [...new Set((list ?? []).flatMap((c) => Object.keys(c.metrics)))].sort();
  const key = keys.includes('loss') ? 'loss' : keys[0];
  const best = key ? bestOf(list ?? [], key) : null;
  const attemptOf = new Map(runs.map((r) => [r.id, r.attempt]));
  const rows = [...(list ?? [])].reverse();
  return (
    <Section id="checkpoints" title={<>Checkpoints <span className="muted num">{list?.filter((c) => !c.deleted).length ?? ''}</span></>}>
      {list?.length === 0 && <p className="empty">No checkpoints registered.</p>}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead><tr><th className="num">Step</th>{keys.map((k) => <th key={k} className="num">{k}</th>)}<th>Saved</th><th className="num">Size</th><th className="num">Attempt</th><th>File</th></tr></thead>
            <tbody>
              {rows.slice(0, 500).map((c) => (
                <tr key={c.id} className={c.deleted ? 'deleted' : ''}>
                  <td className="num">{c.id === best?.id && <span title={`best ${key}`} className="star">★ </span>}{formatThousands(c.step)}</td>
                  {keys.map((k) => <td key={k} className="num">{k in c.metrics ? formatValue(c.metrics[k]) : '–'}</td>)}
                  <td><RelTime time={c.createdAt} now={now} /></td>
                  <td className="num">{formatBytes(c.bytes)}</td>
                  <td className="num">{attemptOf.get(c.runId) ?? '–'}</td>
                  <td className="path" title={c.path}>{c.path.split('/').pop()}{c.deleted && <span className="muted"> (deleted by retention)</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

function bestOf(list: readonly Checkpoint[], key: string): Checkpoint | null {
  const goal = goalFor(key);
  let best: Checkpoint | null = null;
  let bestValue = 0;
  for (const c of list) {
    const v = c.metrics[key];
    if (c.deleted || typeof v !== 'number' || !Number.isFinite(v)) continue;
    if (!best || (goal === 'min' ? v <= bestValue : v >= bestValue)) {
      best = c;
      bestValue = v;
    }
  }
  return best;
}
