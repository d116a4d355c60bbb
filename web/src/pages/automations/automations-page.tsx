/**
 * Automations (shown when the server lists `GET /api/v1/rules`): every rule with its trigger and
 * action in words, whether it is enabled (with an Enable/Disable button for admin tokens), where
 * it comes from, its cooldown and its last firing; the rules file's error when its last load
 * failed; and a picked rule's recent firings (?rule=NAME): cause, state, what the action did,
 * how long it took. Kept live by `automation.*` events and a poll (skipped and refused firings,
 * toggles and the rules file's reloads append no event).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Firing, Rule, RuleList } from '../../api/http.ts';
import { firingsUrl, RULES_URL } from '../../api/requests.ts';
import { ErrorNote, RelTime, Section, StateBadge, useNow } from '../../components/bits.tsx';
import { actionText, cooldownText, firingCause, firingDuration, triggerText } from '../../lib/automation-view.ts';
import { Link, navigate, useLocation } from '../../router.tsx';
import { useEvent, useSession } from '../../session.tsx';

/** Skipped and refused firings, toggles and file reloads have no events: look again this often. */
const REFRESH_MS = 5000;

const rulePath = (name: string) => `/automations?rule=${encodeURIComponent(name)}`;

interface Loaded {
  readonly list: RuleList;
  /** Each rule's recent firings, newest first. */
  readonly firings: ReadonlyMap<string, readonly Firing[]>;
}

/** The rules and each one's recent firings; a load asked for while one runs runs once after it. */
function useRules(): { readonly loaded: Loaded | null; readonly error: unknown; readonly load: () => void } {
  const { api } = useSession();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<unknown>(null);
  const running = useRef(false);
  const again = useRef(false);
  const load = useCallback(() => {
    if (running.current) {
      again.current = true;
      return;
    }
    running.current = true;
    (async () => {
      try {
        const list = await api.get<RuleList>(RULES_URL);
        const lists = await Promise.all(list.rules.map((r) => api.get<{ firings: Firing[] }>(firingsUrl(r.name)).then((f) => f.firings, () => [])));
        setLoaded({ list, firings: new Map(list.rules.map((r, i) => [r.name, lists[i]])) });
        setError(null);
      } catch (e) {
        setError(e);
      } finally {
        running.current = false;
        if (again.current) {
          again.current = false;
          load();
        }
      }
    })();
  }, [api]);
  useEffect(() => {
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);
  useEvent('resync', load, [load]);
  useEvent('domain', (e) => {
    if (e.type.startsWith('automation.')) load();
  }, [load]);
  return { loaded, error, load };
}

export function AutomationsPage() {
  const { api, caps, canWrite } = useSession();
  const { query } = useLocation();
  const picked = query.get('rule');
  const { loaded, error: loadError, load } = useRules();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const now = useNow(5000);

  const canToggle = canWrite && caps.has('POST', '/api/v1/rules/{name}/enable') && caps.has('POST', '/api/v1/rules/{name}/disable');
  const toggle = async (rule: Rule) => {
    setBusy(rule.name);
    setError(null);
    try {
      await api.post(`/api/v1/rules/${encodeURIComponent(rule.name)}/${rule.enabled ? 'disable' : 'enable'}`);
      load();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  const rules = loaded?.list.rules ?? null;
  const file = loaded?.list.file ?? null;
  const pickedRule = picked === null ? null : rules?.find((r) => r.name === picked) ?? null;
  return (
    <div className="page automations-page">
      <div className="page-head">
        <h1>Automations {rules && <span className="muted num">{rules.length}</span>}</h1>
        {file && (
          <span className="muted" title={file.path}>
            rules file {file.loadedAt === null ? 'not loaded yet' : <>loaded <RelTime time={file.loadedAt} now={now} /></>}
          </span>
        )}
      </div>
      <ErrorNote error={loadError} />
      <ErrorNote error={error} />
      {file?.error && (
        <div className="error" role="alert" data-testid="rules-file-error">
          <div className="mono">{file.error.message}</div>
          <div>The previous rules stay in force until the file is fixed ({file.path}).</div>
        </div>
      )}
      {!loaded && !loadError && <p className="muted">Loading…</p>}
      {rules?.length === 0 && <p className="empty">No rules. Write them in <code>&lt;data&gt;/automations.yaml</code> or <code>PUT /api/v1/rules/NAME</code>; docs/automations.md.</p>}
      {rules && rules.length > 0 && (
        <div className="table-wrap">
          <table data-testid="rules">
            <thead><tr><th>Rule</th><th>State</th><th>Trigger</th><th>Action</th><th>Source</th><th>Cooldown</th><th>Last firing</th>{canToggle && <th />}</tr></thead>
            <tbody>{rules.map((r) => {
              const last = loaded?.firings.get(r.name)?.[0];
              return (
                <tr key={r.name} data-rule={r.name} data-enabled={String(r.enabled)} className={r.name === picked ? 'selected' : undefined}>
                  <td>
                    <Link to={rulePath(r.name)}><b>{r.name}</b></Link>
                    {r.rule.description && <div className="muted">{r.rule.description}</div>}
                  </td>
                  <td><StateBadge state={r.enabled ? 'enabled' : 'disabled'} /></td>
                  <td data-testid="trigger">{triggerText(r.rule)}</td>
                  <td data-testid="action" className="rule-action">{actionText(r.rule.do)}</td>
                  <td>{r.source}</td>
                  <td className="nowrap">{cooldownText(r.rule.cooldownSeconds)}</td>
                  <td data-testid="last-firing" className="nowrap">
                    {last ? <span title={last.detail ?? undefined}><StateBadge state={last.state} /> <RelTime time={last.startedAt} now={now} /></span> : <span className="muted">never</span>}
                  </td>
                  {canToggle && (
                    <td className="actions-col">
                      <button type="button" disabled={busy !== null} onClick={() => void toggle(r)}
                        title={r.enabled ? 'it fires on nothing until enabled (events meanwhile are not caught up)' : 'it acts on events from now on'}>
                        {r.enabled ? 'Disable' : 'Enable'}
                      </button>
                    </td>
                  )}
                </tr>
              );
            })}</tbody>
          </table>
        </div>
      )}
      {picked !== null && loaded && (
        <Section title={<>Firings of {picked}</>} actions={<button type="button" className="link" onClick={() => navigate('/automations')}>Close</button>}>
          {!pickedRule && <p className="empty">No rule named {picked}.</p>}
          {pickedRule && <Firings firings={loaded.firings.get(pickedRule.name) ?? []} now={now} />}
        </Section>
      )}
    </div>
  );
}

function Firings({ firings, now }: { firings: readonly Firing[]; now: number }) {
  if (firings.length === 0) return <p className="empty">No firings yet.</p>;
  return (
    <div className="table-wrap">
      <table data-testid="firings">
        <thead><tr><th className="num">#</th><th>Cause</th><th>State</th><th>Result</th><th className="num">Depth</th><th>Started</th><th className="num">Took</th></tr></thead>
        <tbody>{firings.map((f) => (
          <tr key={f.id} data-firing={f.id} data-state={f.state}>
            <td className="num">{f.id}</td>
            <td className="nowrap" data-testid="cause">{firingCause(f)}</td>
            <td><StateBadge state={f.state} /></td>
            <td data-testid="detail">
              {f.detail ?? <span className="muted">–</span>}
              {f.madeJobId !== null && <> · <Link to={`/jobs/${f.madeJobId}`}>job #{f.madeJobId}</Link></>}
              {f.madeDeploymentId !== null && <> · <Link to="/deployments">deployment #{f.madeDeploymentId}</Link></>}
            </td>
            <td className="num">{f.depth}</td>
            <td><RelTime time={f.startedAt} now={now} /></td>
            <td className="num">{firingDuration(f)}</td>
          </tr>
        ))}</tbody>
      </table>
    </div>
  );
}
