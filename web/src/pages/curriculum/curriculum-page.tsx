/**
 * Curricula (shown when the server lists `GET /api/v1/curricula`): every curriculum with its
 * current level, state and rule; a curriculum's page (/curriculum/NAME) has its levels with the
 * current one marked, the current window's values against the promote bound, and the level
 * history (when, from → to, direction, reason, by). Re-read on `curriculum.*` events and on
 * `evaluation.done` (a new value in the window), and every 10 s.
 */
import type { CurriculumDetail, CurriculumInfo } from '../../api/http.ts';
import { useLiveGet } from '../../api/live-get.ts';
import { CURRICULA_URL, curriculumUrl } from '../../api/requests.ts';
import { ErrorNote, RelTime, Section, StateBadge, useNow } from '../../components/bits.tsx';
import { formatTimestamp, formatValue } from '../../lib/format.ts';
import { boundText, demoteText, levelPlace, moveText, promoteText, windowRows, windowText } from '../../lib/curriculum-view.ts';
import { Link } from '../../router.tsx';

/** Evaluations at a level append no curriculum event until one moves it: look again this often. */
const REFRESH_MS = 10_000;

export const curriculumPath = (name: string) => `/curriculum/${encodeURIComponent(name)}`;

/** Loads `url` now, on the events that may change it, on a resync and every 10 s. */
function useLoaded<T>(url: string): { readonly data: T | null; readonly error: unknown } {
  return useLiveGet<T>(url, (type) => type.startsWith('curriculum.') || type === 'evaluation.done', REFRESH_MS);
}

export function CurriculumPage({ name }: { name?: string }) {
  return name ? <CurriculumDetailView name={name} /> : <CurriculumList />;
}

function CurriculumList() {
  const { data, error } = useLoaded<{ curricula: CurriculumInfo[] }>(CURRICULA_URL);
  const now = useNow(30_000);
  const list = data?.curricula ?? null;
  return (
    <div className="page curriculum-page">
      <div className="page-head"><h1>Curriculum {list && <span className="muted num">{list.length}</span>}</h1></div>
      <ErrorNote error={error} />
      {!list && !error && <p className="muted">Loading…</p>}
      {list?.length === 0 && <p className="empty">No curricula. Apply one with <code>trainyard curriculum apply curriculum.yaml</code>; docs/curriculum.md.</p>}
      {list && list.length > 0 && (
        <div className="table-wrap">
          <table data-testid="curricula">
            <thead><tr><th>Name</th><th>Level</th><th>State</th><th>Rule</th><th>Since</th></tr></thead>
            <tbody>{list.map((c) => (
              <tr key={c.name} data-curriculum={c.name} data-level={c.levelName}>
                <td>
                  <Link to={curriculumPath(c.name)}><b>{c.name}</b></Link>
                  {c.spec.description && <div className="muted">{c.spec.description}</div>}
                </td>
                <td className="nowrap"><b>{c.levelName}</b> <span className="muted">({c.level + 1} of {c.spec.levels.length})</span></td>
                <td><StateBadge state={c.state} /></td>
                <td>{promoteText(c.spec)}</td>
                <td><RelTime time={c.enteredAt} now={now} /></td>
              </tr>
            ))}</tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function CurriculumDetailView({ name }: { name: string }) {
  const { data: c, error } = useLoaded<CurriculumDetail>(curriculumUrl(name));
  const now = useNow(30_000);
  const demote = c ? demoteText(c.spec) : '';
  return (
    <div className="page curriculum-page">
      <div className="page-head">
        <h1><Link to="/curriculum">Curriculum</Link> / {name}</h1>
        {c && <><StateBadge state={c.state} /><span className="muted">version {c.version}</span></>}
      </div>
      <ErrorNote error={error} />
      {!c && !error && <p className="muted">Loading…</p>}
      {c && (
        <>
          {c.spec.description && <p>{c.spec.description}</p>}
          <p data-testid="rule">{promoteText(c.spec)}{demote && <>; {demote}</>}.</p>
          <Section title="Levels">
            <div className="table-wrap">
              <table data-testid="levels">
                <thead><tr><th className="num">#</th><th>Level</th><th>Suite</th><th>Job</th><th>Data generation</th></tr></thead>
                <tbody>{c.spec.levels.map((level, i) => {
                  const place = levelPlace(c, i);
                  return (
                    <tr key={level.name} data-level={level.name} data-place={place} className={place === 'current' ? 'selected' : undefined}
                      aria-current={place === 'current' ? 'step' : undefined}>
                      <td className="num">{i + 1}</td>
                      <td><b>{level.name}</b> {place === 'current' ? <StateBadge state="current" /> : place === 'passed' ? <span className="muted">passed</span> : null}</td>
                      <td>{level.suite}</td>
                      <td className="mono">{Object.keys(level.job).length > 0 ? JSON.stringify(level.job) : <span className="muted">the base job</span>}</td>
                      <td>{level.generate ? <span className="mono">{JSON.stringify(level.generate.command ?? level.generate)}</span> : <span className="muted">–</span>}</td>
                    </tr>
                  );
                })}</tbody>
              </table>
            </div>
          </Section>
          <Section title={<>Window at {c.levelName}: {c.window.metric} {boundText(c.spec)}</>}>
            <p data-testid="window-summary">{windowText(c)}. Entered <RelTime time={c.enteredAt} now={now} />.</p>
            {c.window.values.length > 0 && (
              <div className="table-wrap">
                <table data-testid="window">
                  <thead><tr><th className="num">Evaluation</th><th>Job</th><th className="num">{c.window.metric}</th>{c.window.smoothed && <th className="num">EMA</th>}<th>Against {boundText(c.spec)}</th><th>When</th></tr></thead>
                  <tbody>{windowRows(c).map((r) => (
                    <tr key={r.evaluationId} data-evaluation={r.evaluationId} data-passes={String(r.passes)} data-counted={String(r.counted)} className={r.counted ? undefined : 'muted'}>
                      <td className="num">#{r.evaluationId}</td>
                      <td><Link to={`/jobs/${r.jobId}`}>#{r.jobId}</Link></td>
                      <td className="num">{formatValue(r.value)}</td>
                      {c.window.smoothed && <td className="num">{formatValue(r.smoothed)}</td>}
                      <td>{r.passes ? 'passes' : 'does not pass'}{r.counted ? '' : ' (not counted)'}</td>
                      <td><RelTime time={r.at} now={now} /></td>
                    </tr>
                  ))}</tbody>
                </table>
              </div>
            )}
          </Section>
          <Section title="Level history">
            {c.history.length === 0 ? <p className="empty">No level changes yet.</p> : (
              <div className="table-wrap">
                <table data-testid="history">
                  <thead><tr><th>When</th><th>Move</th><th>Direction</th><th>Reason</th><th>By</th></tr></thead>
                  <tbody>{[...c.history].reverse().map((m) => (
                    <tr key={m.id} data-move={m.id} data-direction={m.direction}>
                      <td className="nowrap" title={formatTimestamp(m.at)}><RelTime time={m.at} now={now} /></td>
                      <td className="nowrap" data-testid="move">{moveText(m)}</td>
                      <td><StateBadge state={m.completed ? 'completed' : m.direction} /></td>
                      <td data-testid="reason">{m.reason}</td>
                      <td>{m.by}</td>
                    </tr>
                  ))}</tbody>
                </table>
              </div>
            )}
          </Section>
        </>
      )}
    </div>
  );
}
