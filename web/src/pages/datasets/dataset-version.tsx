/** One dataset version: its facts, each validation's report with examples, and the runs that used it. */
import { useEffect, useState } from 'react';
import type { DatasetDetail, DatasetRunUse } from '../../api/http.ts';
import { ErrorNote, RelTime, Section, StateBadge, useNow } from '../../components/bits.tsx';
import { formatBytes, formatDuration, formatThousands } from '../../lib/format.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { Levels, rows } from './datasets-page.tsx';

export function DatasetVersionView({ name, version }: { name: string; version: string }) {
  const { api } = useSession();
  const [detail, setDetail] = useState<DatasetDetail | null>(null);
  const [uses, setUses] = useState<DatasetRunUse[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const now = useNow(30_000);
  const base = `/api/v1/datasets/${encodeURIComponent(name)}/${encodeURIComponent(version)}`;
  useEffect(() => {
    api.get<DatasetDetail>(base).then(setDetail, setError);
    api.get<{ runs: DatasetRunUse[] }>(`${base}/runs`).then((r) => setUses(r.runs), () => setUses([]));
  }, [api, base]);
  if (!detail) return <div className="page"><ErrorNote error={error} />{!error && <p className="muted">Loading…</p>}</div>;
  const latest = [...detail.validations].reverse();
  return (
    <div className="page">
      <div className="page-head">
        <Link to="/datasets" className="muted">Datasets</Link> <span className="muted">/</span>
        <Link to={`/datasets/${encodeURIComponent(name)}`}>{name}</Link> <span className="muted">/</span>
        <h1>v{detail.version}</h1>
        <Levels levels={detail.levels} />
      </div>
      <dl className="facts panel">
        <dt>format</dt><dd>{detail.format}</dd>
        <dt>rows</dt><dd className="num">{rows(detail)}</dd>
        <dt>files</dt><dd className="num">{formatThousands(detail.files)}</dd>
        <dt>size</dt><dd className="num">{formatBytes(detail.bytes)}</dd>
        <dt>sha256</dt><dd className="mono" title={detail.sha256}>{detail.sha256.slice(0, 16)}…</dd>
        <dt>from</dt><dd className="mono">{detail.source}</dd>
        <dt>registered</dt><dd><RelTime time={detail.createdAt} now={now} /></dd>
      </dl>
      <Section title={<>Runs that used it <span className="muted num">{uses?.length ?? ''}</span></>}>
        {uses?.length === 0 && <p className="muted">No run has read this version yet.</p>}
        {uses && uses.length > 0 && (
          <table>
            <thead><tr><th>Job</th><th>Attempt</th><th>Role</th><th>State</th><th>When</th></tr></thead>
            <tbody>{uses.map((u) => (
              <tr key={u.runId}>
                <td><Link to={`/jobs/${u.jobId}`}>#{u.jobId} {u.jobName ?? ''}</Link></td><td className="num">{u.attempt ?? '–'}</td>
                <td>{u.role}</td><td>{u.jobState && <StateBadge state={u.jobState} />}</td><td><RelTime time={u.createdAt} now={now} /></td>
              </tr>
            ))}</tbody>
          </table>
        )}
      </Section>
      <Section title={<>Validations <span className="muted num">{detail.validations.length}</span></>}>
        {latest.length === 0 && <p className="muted">Not validated.</p>}
        {latest.map((v) => <Validation key={v.id} record={v} now={now} />)}
      </Section>
    </div>
  );
}

function Validation({ record, now }: { record: DatasetDetail['validations'][number]; now: number }) {
  const report = record.report;
  return (
    <div className={`panel validation ${record.passed ? 'passed' : 'failed'}`} data-testid="validation">
      <div className="panel-head">
        <h3>{record.level}</h3>
        <span className={`level level-${record.passed ? 'passed' : 'failed'}`}>{record.passed ? '✓ passed' : '✗ failed'}</span>
        <span className="muted">{record.summary}</span>
        <span className="readout muted"><RelTime time={record.createdAt} now={now} />{report && ` · took ${formatDuration(report.durationMs / 1000)}`}</span>
      </div>
      {report && report.rules.length > 0 && (
        <table>
          <thead><tr><th>Rule</th><th>Severity</th><th className="num">Count</th><th>Examples</th></tr></thead>
          <tbody>
            {report.rules.map((r) => (
              <tr key={r.rule}>
                <td title={r.description}><b>{r.rule}</b><div className="muted">{r.description}</div></td>
                <td className={r.severity === 'error' ? 'danger-text' : ''}>{r.severity}</td>
                <td className="num">{formatThousands(r.count)}</td>
                <td>
                  {r.examples.slice(0, 5).map((e, i) => (
                    <div key={i} className="example mono">
                      <span className="muted">{e.file}{e.line !== null ? `:${e.line}` : ''}{e.field ? ` ${e.field}` : ''}</span> {e.message}
                      {e.other && <span className="muted"> (and {e.other.dataset ? `${e.other.dataset} ` : ''}{e.other.file}:{e.other.line})</span>}
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {report && report.evalSets.length > 0 && (
        <p className="muted">Checked against: {report.evalSets.map((e) => `${e.ref} (${formatThousands(e.contaminatedRows)} contaminated rows)`).join(', ')}</p>
      )}
      {report?.stats.tokens && (
        <p className="muted">Tokens per row: median {formatThousands(report.stats.tokens.p50)}, p95 {formatThousands(report.stats.tokens.p95)}, max {formatThousands(report.stats.tokens.max)}; {formatThousands(report.stats.tokens.total)} in all.</p>
      )}
    </div>
  );
}
