/**
 * A job's evaluations: one leaderboard per eval suite of its checkpoints, ranked by composite
 * score, the suite's baseline beside every score with the delta, the verdict and why, regression
 * marks, overrides (who, why), and "promote anyway" for tokens that may write. Re-read on
 * `evaluation.*` events of this job, on new checkpoints and on state changes of its eval jobs.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Evaluation, Leaderboard } from '../../api/http.ts';
import { ErrorNote, RelTime, Section, StateBadge } from '../../components/bits.tsx';
import { useReasonDialog } from '../../components/confirm.tsx';
import { canOverride, describeThreshold, diffFor, direction, formatChange, formatSigned } from '../../lib/evaluation-view.ts';
import { formatThousands, formatValue } from '../../lib/format.ts';
import { Link } from '../../router.tsx';
import { useEvent, useSession } from '../../session.tsx';

type Board = Leaderboard['boards'][number];

export function Evaluations({ jobId, asked, now }: { jobId: number; asked: readonly string[]; now: number }) {
  const { api, canWrite } = useSession();
  const [boards, setBoards] = useState<readonly Board[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [ask, dialog] = useReasonDialog();
  const load = useCallback(() => {
    api.get<Leaderboard>('/api/v1/evaluations/leaderboard', { job: jobId }).then((r) => {
      setBoards(r.boards);
      setError(null);
    }, setError);
  }, [api, jobId]);
  useEffect(load, [load]);
  useEvent('resync', load, [load]);
  useEvent('domain', (e) => {
    if (e.type.startsWith('evaluation.') && e.jobId === jobId) load();
  }, [jobId, load]);
  useEvent('checkpoint', (cp) => {
    if (cp.jobId === jobId) load();
  }, [jobId, load]);
  // An eval job that ends or fails changes its row even before evaluation.done.
  const evalJobs = useRef(new Set<number>());
  evalJobs.current = new Set((boards ?? []).flatMap((b) => b.rows.map((r) => r.evaluation.evalJobId)));
  useEvent('job', (job) => {
    if (evalJobs.current.has(job.id)) load();
  }, [load]);

  const override = async (e: Evaluation) => {
    const reason = await ask(`Promote step ${formatThousands(e.step)} anyway?`, (
      <p>Evaluation {e.id} by <b>{e.suite}</b> is <b>{e.result?.verdict}</b>{e.regressed ? ' with a regression' : ''}: {e.result?.summary}. Overriding makes it promotable, and records who and why.</p>
    ), 'Promote anyway');
    if (reason === null) return;
    try {
      await api.post(`/api/v1/evaluations/${e.id}/override`, { reason });
      load();
    } catch (err) {
      setError(err);
    }
  };

  if (boards === null && !error) return null;
  if (boards?.length === 0 && asked.length === 0) return null;
  return (
    <Section id="evaluations" title={<>Evaluations <span className="muted num">{boards?.reduce((n, b) => n + b.rows.length, 0) ?? ''}</span></>}>
      <ErrorNote error={error} />
      {boards?.length === 0 && <p className="empty">No evaluation yet: each checkpoint this job registers is evaluated by {asked.join(', ')}.</p>}
      {boards?.map((b) => <SuiteBoard key={b.suite} board={b} now={now} onOverride={canWrite ? override : null} />)}
      {dialog}
    </Section>
  );
}

function SuiteBoard({ board, now, onOverride }: { board: Board; now: number; onOverride: ((e: Evaluation) => void) | null }) {
  const base = board.baseline;
  const showActions = onOverride !== null && board.rows.some((r) => canOverride(r.evaluation));
  return (
    <div className="panel leaderboard" data-testid="leaderboard" data-suite={board.suite}>
      <div className="panel-head">
        <h3>{board.suite} <span className="muted">v{board.version}</span></h3>
        <span className="muted" data-testid="baseline">{base ? <>baseline <b>{base.label}</b>: score {formatValue(base.score)}</> : 'no fixed baseline (each result is judged against its own)'}</span>
      </div>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th className="num">Rank</th><th className="num">Step</th><th>Verdict</th><th className="num">Score</th>
              {board.metrics.map((m) => (
                <th key={m.name} className="num" title={describeThreshold({ goal: m.goal, threshold: { value: m.value, change: m.change } })}>
                  {m.name} <span className="muted">{m.goal === 'min' ? '↓' : '↑'}</span>
                </th>
              ))}
              <th>Regression</th><th>Override</th>{showActions && <th />}
            </tr>
          </thead>
          <tbody>
            {base && (
              <tr className="baseline-row" data-testid="baseline-row">
                <td /><td colSpan={2} className="muted">baseline: {base.label}</td>
                <td className="num">{formatValue(base.score)}</td>
                {board.metrics.map((m) => <td key={m.name} className="num">{formatValue(base.values[m.name])}</td>)}
                <td /><td />{showActions && <td />}
              </tr>
            )}
            {board.rows.map((row) => (
              <Row key={row.evaluation.id} board={board} rank={row.rank} evaluation={row.evaluation} now={now} onOverride={showActions ? onOverride : null} />
            ))}
          </tbody>
        </table>
      </div>
      {board.metrics.some((m) => m.value || m.change) && (
        <p className="hint muted">Thresholds: {board.metrics.filter((m) => m.value || m.change).map((m) => `${m.name} ${describeThreshold({ goal: m.goal, threshold: { value: m.value, change: m.change } })}`).join(' · ')}</p>
      )}
    </div>
  );
}

function Row({ board, rank, evaluation: e, now, onOverride }: { board: Board; rank: number | null; evaluation: Evaluation; now: number; onOverride: ((e: Evaluation) => void) | null }) {
  const r = e.result;
  const baseline = r?.baseline?.values ?? board.baseline?.values ?? null;
  return (
    <tr data-evaluation={e.id} data-step={e.step} className={e.regressed ? 'regressed' : ''}>
      <td className="num">{rank ?? '–'}</td>
      <td className="num">{formatThousands(e.step)}</td>
      <td className="verdict-cell">
        {r
          ? <span className={`verdict verdict-${r.verdict}`} data-testid="verdict" title={r.summary}>{r.verdict}</span>
          : <><StateBadge state={e.evalJobState ?? e.state} /> <Link to={`/jobs/${e.evalJobId}`} className="muted">job #{e.evalJobId}</Link></>}
        {r && r.verdict !== 'pass' && <div className="muted summary">{r.summary}</div>}
      </td>
      <td className="num">
        {r ? <>{formatValue(r.score)}<div className="delta muted" title={`baseline score ${formatValue(r.baseline?.score)}`}>{r.scoreDelta === null ? 'no baseline' : `${formatSigned(r.scoreDelta)} vs base`}</div></> : '–'}
      </td>
      {board.metrics.map((m) => {
        if (!r) return <td key={m.name} className="num muted">–</td>;
        const d = diffFor(m, r.diffs, r.values, baseline);
        const way = direction(d.goal, d.absolute);
        return (
          <td key={m.name} className={`num metric-cell${d.failed ? ' failed' : ''}`} data-metric={m.name} title={d.failed ?? undefined}>
            {formatValue(d.value)}{d.failed && <span className="danger-text"> ✗</span>}
            <div className="delta">
              <span className="muted">base {formatValue(d.baseline)}</span>
              {d.absolute !== null && <span className={`change change-${way}`}> {formatSigned(d.absolute)}{d.relative !== null && ` (${formatChange(d.relative)})`}</span>}
            </div>
          </td>
        );
      })}
      <td>
        {e.regressed
          ? <span className="regression" data-testid="regression" title={r?.regressions.map((x) => x.detail).join('\n')}>▼ {r?.regressions.map((x) => `${x.metric} ${Number((x.worseBy * 100).toFixed(1))} % worse than the best`).join(', ') || 'regression'}</span>
          : <span className="muted">–</span>}
      </td>
      <td>
        {e.override
          ? <span data-testid="override">by <b>{e.override.by}</b>, <RelTime time={e.override.at} now={now} />: {e.override.reason}</span>
          : <span className="muted">–</span>}
      </td>
      {onOverride && <td>{canOverride(e) && <button type="button" className="danger" onClick={() => onOverride(e)}>Promote anyway…</button>}</td>}
    </tr>
  );
}
