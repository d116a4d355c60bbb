/**
 * Deployments (shown when the server lists `GET /api/v1/deploy/targets`): every target with the
 * version it serves now and a rollback button (with a confirmation that asks why), and the
 * deployment history (of one target with ?target=NAME): each step with its time, the cause, and
 * the reason of a rollback or failure. Kept live by `deploy_target.*` and `deployment.*` events.
 */
import { useCallback, useEffect, useState } from 'react';
import type { Deployment, DeployTarget } from '../../api/http.ts';
import { ErrorNote, RelTime, Section, StateBadge, useNow } from '../../components/bits.tsx';
import { useReasonDialog } from '../../components/confirm.tsx';
import { formatElapsed, rollbackVersion, stepsOf } from '../../lib/deployment-view.ts';
import { Link, navigate, useLocation } from '../../router.tsx';
import { useEvent, useSession } from '../../session.tsx';
import { modelPath } from '../models/models-page.tsx';
import { isDeployEvent, useTargets } from './use-deployments.ts';

/** Deployments listed. Default: the newest 100. */
const HISTORY_LIMIT = 100;

export function DeploymentsPage() {
  const { api, caps, canWrite } = useSession();
  const { query } = useLocation();
  const filter = query.get('target') ?? undefined;
  const { targets, error: targetsError } = useTargets();
  const [history, setHistory] = useState<Deployment[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [ask, dialog] = useReasonDialog();
  const now = useNow(5000);

  const load = useCallback(() => {
    api.get<{ deployments: Deployment[] }>('/api/v1/deployments', { target: filter, limit: HISTORY_LIMIT }).then((r) => setHistory(r.deployments), setError);
  }, [api, filter]);
  useEffect(load, [load]);
  useEvent('resync', load, [load]);
  useEvent('domain', (e) => {
    if (isDeployEvent(e.type)) load();
  }, [load]);

  const canRollback = canWrite && caps.has('POST', '/api/v1/deploy/targets/{name}/rollback');
  const rollback = async (t: DeployTarget, to: number | undefined) => {
    const reason = await ask(`Roll back ${t.name}?`, (
      <p><b>{t.name}</b> serves {t.model} v{t.current?.version}; it goes back to {to === undefined ? 'the version it served before' : <b>v{to}</b>}, and {t.alias} follows.</p>
    ), 'Roll back');
    if (reason === null) return;
    setBusy(t.name);
    setError(null);
    try {
      await api.post(`/api/v1/deploy/targets/${encodeURIComponent(t.name)}/rollback`, { reason });
      load();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="page deployments-page">
      <div className="page-head"><h1>Deployments</h1></div>
      <ErrorNote error={targetsError} />
      <ErrorNote error={error} />
      <Section title={<>Targets <span className="muted num">{targets?.length ?? ''}</span></>}>
        {!targets && !targetsError && <p className="muted">Loading…</p>}
        {targets?.length === 0 && <p className="empty">No deploy targets. Declare one with <code>PUT /api/v1/deploy/targets/NAME</code> (kind, model, alias); docs/deployment.md.</p>}
        {targets && targets.length > 0 && (
          <div className="table-wrap">
            <table data-testid="targets">
              <thead><tr><th>Target</th><th>Kind</th><th>Follows</th><th>Serving</th><th>Since</th>{canRollback && <th />}</tr></thead>
              <tbody>{targets.map((t) => {
                const to = rollbackVersion(t.current, (history ?? []).filter((d) => d.target === t.name));
                return (
                  <tr key={t.name} data-target={t.name}>
                    <td><Link to={`/deployments?target=${encodeURIComponent(t.name)}`}><b>{t.name}</b></Link></td>
                    <td>{t.kind}</td>
                    <td><Link to={modelPath(t.model)}>{t.model}</Link>@{t.alias}</td>
                    <td data-testid="serving">{t.current ? <Link to={`${modelPath(t.model)}#v${t.current.version}`}>v{t.current.version}</Link> : <span className="muted">nothing yet</span>}</td>
                    <td>{t.current ? <RelTime time={t.current.since} now={now} /> : <span className="muted">–</span>}</td>
                    {canRollback && (
                      <td className="actions-col">
                        <button type="button" className="danger" disabled={to === null || busy !== null} onClick={() => void rollback(t, to ?? undefined)}
                          title={to === null ? 'nothing to roll back to' : `back to ${to === undefined ? 'the version it served before' : `v${to}`}`}>Roll back…</button>
                      </td>
                    )}
                  </tr>
                );
              })}</tbody>
            </table>
          </div>
        )}
      </Section>
      <Section title={<>History {filter && <span className="muted">of {filter}</span>}</>} actions={filter && <button type="button" className="link" onClick={() => navigate('/deployments')}>All targets</button>}>
        {!history && !error && <p className="muted">Loading…</p>}
        {history?.length === 0 && <p className="empty">No deployments yet.</p>}
        {history && history.length > 0 && (
          <div className="table-wrap">
            <table data-testid="deployments">
              <thead><tr><th className="num">#</th><th>Target</th><th>Version</th><th>State</th><th>Steps</th><th>Why</th><th>By</th><th>Requested</th><th className="num">Took</th></tr></thead>
              <tbody>{history.map((d) => <DeploymentRow key={d.id} deployment={d} now={now} />)}</tbody>
            </table>
          </div>
        )}
      </Section>
      {dialog}
    </div>
  );
}

function DeploymentRow({ deployment: d, now }: { deployment: Deployment; now: number }) {
  return (
    <tr data-deployment={d.id} className={`deployment-${d.state}`}>
      <td className="num">{d.id}</td>
      <td>{d.target}</td>
      <td className="mono nowrap">{d.previousVersion === null ? '–' : `v${d.previousVersion}`} → <Link to={`${modelPath(d.model)}#v${d.version}`}>v{d.version}</Link></td>
      <td><StateBadge state={d.state} /></td>
      <td>
        <span className="steps">
          {stepsOf(d).map((s) => (
            <span key={s.state} className={`step${s.failed ? ' failed' : ''}`} title={new Date(s.at).toISOString()}>
              {s.label} <span className="muted">+{formatElapsed(s.offsetMs)}</span>
            </span>
          ))}
        </span>
      </td>
      <td>
        {d.cause && <div>{d.cause}</div>}
        {d.reason && <div className={d.state === 'succeeded' ? 'muted' : 'danger-text'} data-testid="reason">{d.reason}</div>}
        {!d.cause && !d.reason && <span className="muted">–</span>}
      </td>
      <td>{d.requestedBy}</td>
      <td><RelTime time={d.createdAt} now={now} /></td>
      <td className="num">{d.endedAt ? formatElapsed(d.endedAt - d.createdAt) : <span className="muted">running</span>}</td>
    </tr>
  );
}
