/**
 * The job's attempts: state, exit classification, resume point, the params a retry changed, the
 * peak GPU memory, and a timeline of when each ran.
 */
import type { Job, Run } from '../../api/http.ts';
import { RelTime, Section, StateBadge } from '../../components/bits.tsx';
import { formatBytes, formatDuration, formatThousands, formatTimestamp } from '../../lib/format.ts';

/** A run's params that differ from the spec's ("batch_size=8 grad_accum=4"); null when none do. */
function changedParams(run: Run, specParams: Readonly<Record<string, unknown>>): string | null {
  if (!run.params) return null;
  const changed = Object.entries(run.params).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(specParams[k]));
  return changed.length ? changed.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ') : null;
}

export function Attempts({ job, runs, now }: { job: Job; runs: readonly Run[]; now: number }) {
  const start = job.createdAt;
  const end = Math.max(job.endedAt ?? now, ...runs.map((r) => r.endedAt ?? now));
  const span = Math.max(1, end - start);
  const pct = (t: number) => `${(((t - start) / span) * 100).toFixed(3)}%`;
  const params = runs.map((r) => changedParams(r, job.spec.params));
  const showParams = params.some((p) => p !== null);
  const showGpuMemory = runs.some((r) => r.peakGpuMemoryMiB !== null);
  return (
    <Section id="attempts" title={<>Attempts <span className="muted num">{runs.length}</span></>}>
      {runs.length === 0 && <p className="empty">Not started yet{job.notBefore && job.notBefore > now ? <>: next try <RelTime time={job.notBefore} now={now} /></> : ''}.</p>}
      {runs.length > 0 && (
        <>
          <div className="attempt-timeline" aria-label="When each attempt ran">
            <div className="attempt-axis"><span>{formatTimestamp(start)} submitted</span><span>{job.endedAt ? `${formatTimestamp(job.endedAt)} ended` : 'now'}</span></div>
            {runs.map((r) => (
              <div key={r.id} className="attempt-lane">
                <span className="attempt-label">#{r.attempt}</span>
                <div className="attempt-track">
                  <div className={`attempt-bar state-bg-${r.state}`} style={{ left: pct(r.startedAt), width: `max(2px, calc(${pct(r.endedAt ?? now)} - ${pct(r.startedAt)}))` }}
                    title={`attempt ${r.attempt}: ${r.state}, ${formatDuration(((r.endedAt ?? now) - r.startedAt) / 1000)}`} />
                </div>
              </div>
            ))}
          </div>
          <div className="table-wrap">
            <table>
              <thead><tr><th>#</th><th>State</th><th>Started</th><th className="num">Duration</th><th>Outcome</th><th className="num">Exit</th><th className="num">Resumed at step</th>{showParams && <th>Params changed</th>}{showGpuMemory && <th className="num">Peak GPU memory</th>}</tr></thead>
              <tbody>
                {runs.map((r, i) => (
                  <tr key={r.id}>
                    <td className="num">{r.attempt}</td>
                    <td><StateBadge state={r.state} /></td>
                    <td><RelTime time={r.startedAt} now={now} /></td>
                    <td className="num">{formatDuration(((r.endedAt ?? now) - r.startedAt) / 1000)}</td>
                    <td>{r.outcome ? <><span className={`outcome outcome-${r.outcome.kind}`}>{r.outcome.kind}</span> <span className="muted">{r.outcome.detail}</span>{r.outcome.retryable ? '' : <span className="muted"> · not retried</span>}</> : <span className="muted">–</span>}</td>
                    <td className="num">{r.signal ?? (r.exitCode === null ? '–' : r.exitCode)}</td>
                    <td className="num">{r.resumeStep === null ? <span className="muted">fresh start</span> : formatThousands(r.resumeStep)}</td>
                    {showParams && <td className="mono">{params[i] ?? <span className="muted">–</span>}</td>}
                    {showGpuMemory && <td className="num">{r.peakGpuMemoryMiB === null ? <span className="muted">–</span> : formatBytes(r.peakGpuMemoryMiB * 1024 * 1024)}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Section>
  );
}
