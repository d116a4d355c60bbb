/**
 * Audit (admin sessions; docs/audit.md): who changed what, when, from where: the state-changing
 * API requests, newest first, filtered by caller, method, route, status and time, older pages
 * on demand. Read again every few seconds (entries have no events).
 */
import { useCallback, useEffect, useState } from 'react';
import type { ApiAuditEntry, ApiAuditPage } from '../../../../src/core/api/audit.ts';
import { ErrorNote, RelTime, useNow } from '../../components/bits.tsx';
import { useSession } from '../../session.tsx';

/** New entries appear without events: look again this often. */
const REFRESH_MS = 5000;
const PAGE = 100;
const SINCE: ReadonlyArray<[string, number | null]> = [['last hour', 3_600_000], ['last day', 86_400_000], ['last week', 604_800_000], ['all kept', null]];
const METHODS = ['', 'POST', 'PUT', 'PATCH', 'DELETE'];
const FILTERS_STYLE = { display: 'flex', flexWrap: 'wrap', gap: '8px 20px', alignItems: 'center', marginBottom: 12 } as const;

interface Filters {
  readonly caller: string;
  readonly method: string;
  readonly route: string;
  readonly status: string;
  readonly sinceMs: number | null;
}

/** The query of `GET /api/v1/audit` for the filters (empty ones left out). */
export function auditUrl(filters: Filters, now: number, before: number | null): string {
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (filters.caller.trim()) query.set('caller', filters.caller.trim());
  if (filters.method) query.set('method', filters.method);
  if (filters.route.trim()) query.set('route', filters.route.trim());
  if (/^\d{3}$/.test(filters.status.trim())) query.set('status', filters.status.trim());
  if (filters.sinceMs !== null) query.set('since', String(now - filters.sinceMs));
  if (before !== null) query.set('before', String(before));
  return `/api/v1/audit?${query}`;
}

export function AuditPage() {
  const { api } = useSession();
  const [filters, setFilters] = useState<Filters>({ caller: '', method: '', route: '', status: '', sinceMs: 86_400_000 });
  const [entries, setEntries] = useState<ApiAuditEntry[] | null>(null);
  const [older, setOlder] = useState<ApiAuditEntry[]>([]);
  const [cursor, setCursor] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const now = useNow(10_000);

  const load = useCallback(() => {
    api.get<ApiAuditPage>(auditUrl(filters, Date.now(), null)).then((page) => {
      setEntries(page.entries);
      setError(null);
      setCursor((c) => (c === null ? page.nextCursor : c));
    }, setError);
  }, [api, filters]);

  useEffect(() => {
    setOlder([]);
    setCursor(null);
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const more = () => {
    if (cursor === null) return;
    api.get<ApiAuditPage>(auditUrl(filters, Date.now(), cursor)).then((page) => {
      setOlder((o) => [...o, ...page.entries]);
      setCursor(page.nextCursor);
    }, setError);
  };
  const set = (change: Partial<Filters>) => setFilters((f) => ({ ...f, ...change }));
  const shown = [...(entries ?? []), ...older.filter((o) => !(entries ?? []).some((e) => e.id === o.id))];
  return (
    <div className="page audit-page">
      <div className="page-head"><h1>Audit</h1></div>
      <p className="muted">Every state-changing API request (metric batches and heartbeats only when refused), kept 90 days by default. See docs/audit.md.</p>
      <ErrorNote error={error} />
      <form className="filters" role="search" aria-label="audit filters" style={FILTERS_STYLE} onSubmit={(e) => e.preventDefault()}>
        <label>Caller <input data-testid="audit-caller" placeholder="token id or session:…" value={filters.caller} onChange={(e) => set({ caller: e.target.value })} /></label>
        <label>Method <select data-testid="audit-method" value={filters.method} onChange={(e) => set({ method: e.target.value })}>
          {METHODS.map((m) => <option key={m} value={m}>{m || 'any'}</option>)}
        </select></label>
        <label>Route <input data-testid="audit-route" placeholder="/api/v1/jobs/:id/stop" value={filters.route} onChange={(e) => set({ route: e.target.value })} /></label>
        <label>Status ≥ <input data-testid="audit-status" inputMode="numeric" size={4} placeholder="400" value={filters.status} onChange={(e) => set({ status: e.target.value })} /></label>
        <label>Since <select data-testid="audit-since" value={String(filters.sinceMs)} onChange={(e) => set({ sinceMs: e.target.value === 'null' ? null : Number(e.target.value) })}>
          {SINCE.map(([label, ms]) => <option key={label} value={String(ms)}>{label}</option>)}
        </select></label>
      </form>
      {entries && shown.length === 0 && <p className="empty">No audit entries match.</p>}
      {shown.length > 0 && (
        <div className="table-wrap">
          <table data-testid="audit">
            <thead><tr><th>When</th><th>Caller</th><th>Method</th><th>Route</th><th>Params</th><th className="num">Status</th><th>IP</th></tr></thead>
            <tbody>
              {shown.map((e) => (
                <tr key={e.id} data-audit-id={e.id} data-status={e.status}>
                  <td title={new Date(e.at).toISOString()}><RelTime time={e.at} now={now} /></td>
                  <td title={e.callerId ?? 'not authenticated'}>
                    <button type="button" className="link" onClick={() => e.callerId && set({ caller: e.callerId })}>{e.callerName}</button>
                  </td>
                  <td className="mono">{e.method}</td>
                  <td className="mono">{e.route}</td>
                  <td className="mono">{Object.entries(e.params).map(([k, v]) => `${k}=${v}`).join(' ')}</td>
                  <td className={`num ${e.status >= 400 ? 'bad' : ''}`}>{e.status}</td>
                  <td className="mono">{e.ip}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor !== null && <p><button type="button" onClick={more}>Older entries</button></p>}
    </div>
  );
}
