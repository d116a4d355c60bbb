/**
 * Datasets (shown when the server lists `GET /api/v1/datasets`): every dataset with its latest
 * version and how far it has been validated; a dataset's versions; a version's validation
 * reports with their examples and the runs that used it (dataset-version.tsx).
 */
import { useEffect, useState } from 'react';
import type { LevelStatus } from '../../../../src/core/datasets.ts';
import type { DatasetSummary, DatasetVersion } from '../../api/http.ts';
import { ErrorNote, RelTime, useNow } from '../../components/bits.tsx';
import { formatBytes, formatThousands } from '../../lib/format.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { DatasetVersionView } from './dataset-version.tsx';

export function DatasetsPage({ name, version }: { name?: string; version?: string }) {
  if (name && version) return <DatasetVersionView name={name} version={version} />;
  if (name) return <DatasetVersions name={name} />;
  return <DatasetList />;
}

function DatasetList() {
  const { api } = useSession();
  const [list, setList] = useState<DatasetSummary[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const now = useNow(30_000);
  useEffect(() => {
    api.get<{ datasets: DatasetSummary[] }>('/api/v1/datasets').then((r) => setList(r.datasets), setError);
  }, [api]);
  return (
    <div className="page datasets-page">
      <div className="page-head"><h1>Datasets {list && <span className="muted num">{formatThousands(list.length)}</span>}</h1></div>
      <ErrorNote error={error} />
      {list?.length === 0 && <p className="empty">No datasets yet. Register one with <code>POST /api/v1/datasets</code> (name, path, format).</p>}
      {list && list.length > 0 && (
        <div className="table-wrap">
          <table data-testid="datasets">
            <thead><tr><th>Name</th><th className="num">Versions</th><th>Latest</th><th>Format</th><th className="num">Rows</th><th className="num">Size</th><th>Validated</th><th>Registered</th></tr></thead>
            <tbody>
              {list.map((d) => (
                <tr key={d.name}>
                  <td><Link to={`/datasets/${encodeURIComponent(d.name)}`}>{d.name}</Link></td>
                  <td className="num">{d.versions}</td>
                  <td><Link to={versionPath(d.latest)}>v{d.latest.version}</Link></td>
                  <td>{d.latest.format}</td>
                  <td className="num">{rows(d.latest)}</td>
                  <td className="num">{formatBytes(d.latest.bytes)}</td>
                  <td><Levels levels={d.latest.levels} /></td>
                  <td><RelTime time={d.latest.createdAt} now={now} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function DatasetVersions({ name }: { name: string }) {
  const { api } = useSession();
  const [versions, setVersions] = useState<DatasetVersion[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const now = useNow(30_000);
  useEffect(() => {
    api.get<{ versions: DatasetVersion[] }>(`/api/v1/datasets/${encodeURIComponent(name)}`).then((r) => setVersions(r.versions), setError);
  }, [api, name]);
  return (
    <div className="page">
      <div className="page-head"><Link to="/datasets" className="muted">Datasets</Link> <span className="muted">/</span> <h1>{name}</h1></div>
      <ErrorNote error={error} />
      {versions && (
        <div className="table-wrap">
          <table>
            <thead><tr><th>Version</th><th>sha256</th><th>Format</th><th className="num">Files</th><th className="num">Rows</th><th className="num">Size</th><th>Validated</th><th>Registered</th></tr></thead>
            <tbody>
              {[...versions].reverse().map((v) => (
                <tr key={v.id}>
                  <td><Link to={versionPath(v)}>v{v.version}</Link></td>
                  <td className="mono" title={v.sha256}>{v.sha256.slice(0, 12)}</td>
                  <td>{v.format}</td>
                  <td className="num">{formatThousands(v.files)}</td>
                  <td className="num">{rows(v)}</td>
                  <td className="num">{formatBytes(v.bytes)}</td>
                  <td><Levels levels={v.levels} /></td>
                  <td><RelTime time={v.createdAt} now={now} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function versionPath(v: { name: string; version: number }): string {
  return `/datasets/${encodeURIComponent(v.name)}/${v.version}`;
}

export function rows(v: { rows: number; rowsExact: boolean }): string {
  return `${v.rowsExact ? '' : '≈ '}${formatThousands(v.rows)}`;
}

const MARK: Record<LevelStatus, string> = { passed: '✓', failed: '✗', unchecked: '·' };

/** quick ✓ standard ✗ deep · */
export function Levels({ levels }: { levels: Readonly<Record<string, LevelStatus>> }) {
  return (
    <span className="levels">
      {Object.entries(levels).map(([level, status]) => (
        <span key={level} className={`level level-${status}`} title={`${level}: ${status}`}>{MARK[status]} {level}</span>
      ))}
    </span>
  );
}
