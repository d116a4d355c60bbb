/**
 * Models (shown when the server lists `GET /api/v1/models`): every model with its latest
 * version, its aliases and its promotion rule; a model's page (model-page.tsx) has its
 * versions, aliases with their history, and the lineage graph. Re-read on `model.*` events.
 */
import { useCallback, useEffect, useState } from 'react';
import type { ModelSummary } from '../../api/http.ts';
import { ErrorNote, RelTime, useNow } from '../../components/bits.tsx';
import { formatThousands } from '../../lib/format.ts';
import { describeRule } from '../../lib/registry-view.ts';
import { Link } from '../../router.tsx';
import { useEvent, useSession } from '../../session.tsx';
import { ModelPage } from './model-page.tsx';

export function ModelsPage({ name }: { name?: string }) {
  if (name) return <ModelPage name={name} />;
  return <ModelList />;
}

export const modelPath = (name: string) => `/models/${encodeURIComponent(name)}`;

function ModelList() {
  const { api } = useSession();
  const [list, setList] = useState<ModelSummary[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const now = useNow(30_000);
  const load = useCallback(() => {
    api.get<{ models: ModelSummary[] }>('/api/v1/models').then((r) => {
      setList(r.models);
      setError(null);
    }, setError);
  }, [api]);
  useEffect(load, [load]);
  useEvent('resync', load, [load]);
  useEvent('domain', (e) => {
    if (e.type.startsWith('model.')) load();
  }, [load]);
  return (
    <div className="page models-page">
      <div className="page-head"><h1>Models {list && <span className="muted num">{formatThousands(list.length)}</span>}</h1></div>
      <ErrorNote error={error} />
      {!list && !error && <p className="muted">Loading…</p>}
      {list?.length === 0 && <p className="empty">No models yet. Make one with <code>trainyard model create NAME</code>, then a version from a checkpoint with <code>trainyard model version NAME --checkpoint ID</code>.</p>}
      {list && list.length > 0 && (
        <div className="table-wrap">
          <table data-testid="models">
            <thead><tr><th>Name</th><th className="num">Versions</th><th>Latest</th><th>Aliases</th><th>Promotion rule</th><th>Updated</th></tr></thead>
            <tbody>
              {list.map((m) => (
                <tr key={m.name} data-model={m.name}>
                  <td>
                    <Link to={modelPath(m.name)}>{m.name}</Link>
                    {m.tags.map((t) => <span key={t} className="tag">{t}</span>)}
                    {m.description && <div className="muted">{m.description}</div>}
                  </td>
                  <td className="num">{m.versions}</td>
                  <td>{m.latest === null ? <span className="muted">–</span> : <Link to={`${modelPath(m.name)}#v${m.latest}`}>v{m.latest}</Link>}</td>
                  <td><AliasChips aliases={m.aliases} /></td>
                  <td className={m.promotionRule ? '' : 'muted'}>{describeRule(m.promotionRule)}</td>
                  <td><RelTime time={m.updatedAt} now={now} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

/** production → v2 · staging → v1 */
export function AliasChips({ aliases }: { aliases: Readonly<Record<string, number>> }) {
  const entries = Object.entries(aliases).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <span className="muted">–</span>;
  return (
    <span className="chips">
      {entries.map(([alias, version]) => <span key={alias} className="alias-chip" data-alias={alias}><b>{alias}</b> → v{version}</span>)}
    </span>
  );
}
