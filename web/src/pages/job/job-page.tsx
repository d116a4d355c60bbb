/**
 * One job: header with progress and actions, live metric charts, the log tail, params,
 * checkpoints, artifacts (files the runs attached), evaluations (when the server has them) and attempts. The job record follows
 * `job` events; a new attempt or state re-reads the job (its runs).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, type Job, type JobDetail } from '../../api/http.ts';
import { ErrorNote, ProgressBar, RelTime, StateBadge, useNow } from '../../components/bits.tsx';
import { JobActions, priorityClassOf, useJobCommands } from '../../components/job-actions.tsx';
import { formatDuration, formatRate, formatSlots, formatValue } from '../../lib/format.ts';
import { Link } from '../../router.tsx';
import { useEvent, useSession } from '../../session.tsx';
import { Artifacts } from './artifacts.tsx';
import { Attempts } from './attempts.tsx';
import { ChartsSection } from './charts-section.tsx';
import { Checkpoints } from './checkpoints.tsx';
import { Evaluations } from './evaluations.tsx';
import { LogTail } from './log-tail.tsx';
import { Params } from './params.tsx';

export function JobPage({ jobId }: { jobId: number }) {
  const { api, caps } = useSession();
  const [job, setJob] = useState<JobDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const now = useNow(1000);

  const load = useCallback(async () => {
    try {
      setJob(await api.get<JobDetail>(`/api/v1/jobs/${jobId}`));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [api, jobId]);
  useEffect(() => void load(), [load]);
  useEvent('resync', () => void load(), [load]);
  const current = useRef(job);
  current.current = job;
  useEvent('job', (event) => {
    if (event.id !== jobId) return;
    const before = current.current;
    if (before && (event.attempts !== before.attempts || event.state !== before.state)) void load();
    setJob((j) => (j ? { ...j, ...event } : j));
  }, [jobId, load]);
  useEvent('metrics', (event) => {
    if (event.jobId === jobId) setJob((j) => (j ? { ...j, latest: { ...j.latest, ...event.latest } as JobDetail['latest'] } : j));
  }, [jobId]);

  const commands = useJobCommands(useCallback((changed: Job) => setJob((j) => (j ? { ...j, ...changed } : j)), []));

  if (error instanceof ApiError && error.status === 404) return <div className="page-message">Job {jobId} does not exist. <Link to="/">All jobs</Link></div>;
  if (!job) return error ? <ErrorNote error={error} /> : <p className="muted page">Loading job {jobId}…</p>;

  const duration = job.startedAt ? ((job.endedAt ?? now) - job.startedAt) / 1000 : null;
  const priority = priorityClassOf(job);
  const loss = job.latest.loss;
  return (
    <div className="page job-page">
      <div className="job-head">
        <div className="job-title">
          <Link to="/" className="muted">Jobs</Link> <span className="muted">/</span>
          <h1>#{job.id} {job.name}</h1>
          <StateBadge state={job.state} />
          {job.spec.tags.map((t) => <span key={t} className="tag">{t}</span>)}
          <div className="spacer" />
          <Link to={`/compare?jobs=${job.id}`} className="button">Compare…</Link>
          <JobActions job={job} commands={commands} />
        </div>
        <div className="job-progress">
          <div>
            <ProgressBar progress={job.progress} state={job.state} />
            {job.progress.message && <p className="status-message" data-testid="status-message">{job.progress.message}</p>}
          </div>
          <dl className="facts">
            {loss && <><dt>loss</dt><dd className="num">{formatValue(loss.value)}</dd></>}
            <dt>rate</dt><dd className="num">{formatRate(job.progress.rate)}</dd>
            <dt>slots</dt><dd>{formatSlots(job.spec.resources)}</dd>
            {priority && <><dt>priority</dt><dd>{priority}</dd></>}
            <dt>attempts</dt><dd className="num">{job.attempts}</dd>
            <dt>submitted</dt><dd><RelTime time={job.createdAt} now={now} /></dd>
            <dt>{job.endedAt ? 'ran' : 'running for'}</dt><dd className="num">{formatDuration(duration)}</dd>
            {job.outcome && job.state !== 'running' && <><dt>outcome</dt><dd><span className={`outcome outcome-${job.outcome.kind}`}>{job.outcome.kind}</span> <span className="muted">{job.outcome.detail}</span></dd></>}
          </dl>
        </div>
        <ErrorNote error={commands.error} />
      </div>
      <ChartsSection jobId={job.id} />
      <div className="two-col">
        <LogTail jobId={job.id} runs={job.runs} />
        <Params job={job} />
      </div>
      <Checkpoints jobId={job.id} runs={job.runs} now={now} />
      <Artifacts jobId={job.id} />
      {caps.evaluations && <Evaluations jobId={job.id} asked={job.spec.evaluate ?? []} now={now} />}
      <Attempts job={job} runs={job.runs} now={now} />
      {commands.dialog}
    </div>
  );
}
