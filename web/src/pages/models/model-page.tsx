/**
 * One model: its lineage graph (datasets → job → checkpoint → version → alias → deploy target),
 * its versions (step, job, when and by whom, tags, notes, the evaluations recorded with each),
 * its aliases and their append-only history (who, when, from → to, why). Re-read on `model.*`
 * events of this model and on deployment events (a target serving it may have changed).
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, type AliasMove, type ModelDetail, type ModelVersion } from '../../api/http.ts';
import { ErrorNote, RelTime, Section, useNow } from '../../components/bits.tsx';
import { formatThousands, formatValue } from '../../lib/format.ts';
import { describeMove, describeRule } from '../../lib/registry-view.ts';
import { Link } from '../../router.tsx';
import { useEvent, useSession } from '../../session.tsx';
import { targetVersion, useTargets } from '../deployments/use-deployments.ts';
import { LineageGraph } from './lineage-graph.tsx';

export function ModelPage({ name }: { name: string }) {
  const { api } = useSession();
  const [model, setModel] = useState<ModelDetail | null>(null);
  const [moves, setMoves] = useState<AliasMove[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const now = useNow(30_000);
  const base = `/api/v1/models/${encodeURIComponent(name)}`;
  const load = useCallback(() => {
    api.get<ModelDetail>(base).then((m) => {
      setModel(m);
      setError(null);
    }, setError);
    api.get<{ moves: AliasMove[] }>(`${base}/history`).then((r) => setMoves(r.moves), () => setMoves((m) => m ?? []));
  }, [api, base]);
  useEffect(load, [load]);
  useEvent('resync', load, [load]);
  useEvent('domain', (e) => {
    if (e.type.startsWith('model.') && e.data.model === name) load();
  }, [name, load]);
  const { targets } = useTargets();
  const serving = useMemo(() => (targets ?? []).map((t) => ({ name: t.name, model: t.model, alias: t.alias, version: targetVersion(t) })), [targets]);

  if (error instanceof ApiError && error.status === 404) return <div className="page-message">No model named {name}. <Link to="/models">All models</Link></div>;
  if (!model) return <div className="page"><ErrorNote error={error} />{!error && <p className="muted">Loading model {name}…</p>}</div>;
  const versions = [...model.versions].reverse();
  return (
    <div className="page model-page">
      <div className="page-head">
        <Link to="/models" className="muted">Models</Link> <span className="muted">/</span>
        <h1>{model.name}</h1>
        {model.tags.map((t) => <span key={t} className="tag">{t}</span>)}
      </div>
      <ErrorNote error={error} />
      <dl className="facts panel">
        {model.description && <><dt>description</dt><dd>{model.description}</dd></>}
        <dt>latest</dt><dd>{model.latest === null ? '–' : `v${model.latest}`}</dd>
        <dt>versions</dt><dd className="num">{formatThousands(model.versions.length)}</dd>
        <dt>promotion</dt><dd data-testid="promotion-rule">{describeRule(model.promotionRule)}</dd>
        <dt>created</dt><dd><RelTime time={model.createdAt} now={now} /> by {model.createdBy}</dd>
      </dl>
      <Section id="lineage" title="Lineage">
        {model.versions.length === 0
          ? <p className="empty">No versions yet: <code>trainyard model version {model.name} --checkpoint ID</code> makes one from a checkpoint.</p>
          : <LineageGraph model={model.name} versions={model.versions} targets={serving} />}
      </Section>
      <Section id="versions" title={<>Versions <span className="muted num">{model.versions.length}</span></>}>
        {versions.length > 0 && (
          <div className="table-wrap">
            <table data-testid="versions">
              <thead><tr><th>Version</th><th>Aliases</th><th className="num">Step</th><th>Job</th><th>Evaluations</th><th>Tags</th><th>Notes</th><th>Created</th></tr></thead>
              <tbody>{versions.map((v) => <VersionRow key={v.id} version={v} now={now} />)}</tbody>
            </table>
          </div>
        )}
      </Section>
      <Section id="aliases" title="Aliases">
        {model.aliases.length === 0 && <p className="empty">No aliases. <code>trainyard model alias {model.name} VERSION production --reason WHY</code> sets one.</p>}
        {model.aliases.length > 0 && (
          <div className="table-wrap">
            <table data-testid="aliases">
              <thead><tr><th>Alias</th><th>Version</th><th>Moved</th><th>By</th><th>Why</th></tr></thead>
              <tbody>{model.aliases.map((a) => (
                <tr key={a.alias} data-alias={a.alias}>
                  <td><b>{a.alias}</b></td><td><a href={`#v${a.version}`}>v{a.version}</a></td>
                  <td><RelTime time={a.movedAt} now={now} /></td><td>{a.movedBy}</td><td>{a.reason ?? <span className="muted">–</span>}</td>
                </tr>
              ))}</tbody>
            </table>
          </div>
        )}
        <h3 className="subhead">History</h3>
        {moves?.length === 0 && <p className="muted">No alias was ever set.</p>}
        {moves && moves.length > 0 && (
          <div className="table-wrap">
            <table data-testid="alias-history">
              <thead><tr><th>When</th><th>Alias</th><th>Move</th><th>By</th><th>Why</th></tr></thead>
              <tbody>{[...moves].reverse().map((m) => (
                <tr key={m.id} data-alias={m.alias}>
                  <td><RelTime time={m.at} now={now} /></td><td><b>{m.alias}</b></td>
                  <td className="mono">{describeMove(m.from, m.to)}</td><td>{m.by}</td><td>{m.reason ?? <span className="muted">–</span>}</td>
                </tr>
              ))}</tbody>
            </table>
          </div>
        )}
      </Section>
    </div>
  );
}

function VersionRow({ version: v, now }: { version: ModelVersion; now: number }) {
  const { job, checkpoint, evaluations } = v.lineage;
  return (
    <tr id={`v${v.version}`} data-version={v.version}>
      <td><b>v{v.version}</b></td>
      <td>{v.aliases.length === 0 ? <span className="muted">–</span> : v.aliases.map((a) => <span key={a} className="alias-chip">{a}</span>)}</td>
      <td className="num">{formatThousands(checkpoint.step)}</td>
      <td><Link to={`/jobs/${job.id}`}>#{job.id} {job.name}</Link></td>
      <td>
        {evaluations.length === 0 && <span className="muted">–</span>}
        {evaluations.map((e) => (
          <div key={e.id} className="eval-line">
            <Link to={`/jobs/${job.id}#evaluations`}>{e.suite}</Link>{' '}
            {e.verdict ? <span className={`verdict verdict-${e.verdict}`}>{e.verdict}</span> : <span className="muted">{e.state}</span>}
            {e.score !== null && <span className="num"> score {formatValue(e.score)}</span>}
            {e.regressed && <span className="regression" title="the regression alarm went off"> ▼ regression</span>}
            {e.override && <span className="muted" title={e.override.reason}> · overridden by {e.override.by}</span>}
          </div>
        ))}
      </td>
      <td>{v.tags.map((t) => <span key={t} className="tag">{t}</span>)}</td>
      <td className="notes">{v.notes ?? <span className="muted">–</span>}</td>
      <td><RelTime time={v.createdAt} now={now} /> <span className="muted">by {v.createdBy}</span></td>
    </tr>
  );
}
