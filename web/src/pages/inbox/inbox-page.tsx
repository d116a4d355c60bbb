/**
 * Inbox (shown when the server lists `GET /api/v1/inbox`): the files dropped into the inbox,
 * waiting, processing, done or failed with the reason, the job and dataset version each
 * became; a filter by state with the counts, and more on demand. Re-read when a job changes
 * state (a file moves when its job ends) and every few seconds (waiting files have no events).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { InboxEntryWire, InboxListingWire } from '../../../../src/core/api/inbox.ts';
import { INBOX_LIST_STATES, type InboxListState } from '../../../../src/core/inbox-listing.ts';
import { ErrorNote, RelTime, StateBadge, useNow } from '../../components/bits.tsx';
import { formatBytes, formatThousands } from '../../lib/format.ts';
import { Link } from '../../router.tsx';
import { useEvent, useSession } from '../../session.tsx';
import { inboxUrl } from '../../api/requests.ts';
import { versionPath } from '../datasets/datasets-page.tsx';

/** Waiting files appear and leave without events: look again this often. */
const REFRESH_MS = 3000;

export function InboxPage() {
  const { api } = useSession();
  const [state, setState] = useState<InboxListState | null>(null);
  const [listing, setListing] = useState<InboxListingWire | null>(null);
  const [shown, setShown] = useState<number>(0);
  const [error, setError] = useState<unknown>(null);
  const now = useNow(10_000);
  const pages = useRef(1);

  /** Reads the first `pages` pages again (newest first, so new files push old ones down). */
  const load = useCallback(() => {
    api.get<InboxListingWire>(inboxUrl(state, pages.current)).then((r) => {
      setListing(r);
      setShown(r.files.length);
      setError(null);
    }, setError);
  }, [api, state]);

  useEffect(() => {
    pages.current = 1;
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);
  useEvent('job', () => load(), [load]);
  useEvent('resync', () => load(), [load]);

  const more = () => {
    pages.current += 1;
    load();
  };
  const counts = listing?.counts;
  const all = counts ? INBOX_LIST_STATES.reduce((n, s) => n + counts[s], 0) : null;
  return (
    <div className="page inbox-page">
      <div className="page-head"><h1>Inbox {all !== null && <span className="muted num">{formatThousands(all)}</span>}</h1></div>
      <ErrorNote error={error} />
      {listing && listing.config.state !== 'on' && (
        <p className="muted" data-testid="inbox-config">
          The inbox is {listing.config.state === 'off' ? 'off' : 'paused: inbox.yaml is invalid'}{listing.config.message ? ` (${listing.config.message})` : ''}. See docs/inbox.md.
        </p>
      )}
      <div className="chips" role="group" aria-label="state">
        <button type="button" className={`chip ${state === null ? 'on' : ''}`} onClick={() => setState(null)}>all {all ?? ''}</button>
        {INBOX_LIST_STATES.map((s) => (
          <button key={s} type="button" className={`chip state-${s} ${state === s ? 'on' : ''}`} data-testid={`inbox-filter-${s}`} onClick={() => setState(s)}>
            {s} <span className="num">{counts?.[s] ?? ''}</span>
          </button>
        ))}
      </div>
      {listing?.files.length === 0 && <p className="empty">No {state ?? ''} files. Drop one into <code>&lt;data&gt;/inbox/normal/</code>.</p>}
      {listing && listing.files.length > 0 && (
        <div className="table-wrap">
          <table data-testid="inbox">
            <thead><tr><th>State</th><th>Name</th><th>Priority</th><th>Job</th><th>Dataset</th><th>Dropped</th><th className="num">Size</th><th>Reason</th></tr></thead>
            <tbody>
              {listing.files.map((f) => <InboxRow key={f.id ?? `w:${f.path}`} file={f} now={now} />)}
            </tbody>
          </table>
        </div>
      )}
      {listing && listing.nextOffset !== null && (
        <p><button type="button" onClick={more}>Show more ({formatThousands(listing.total - shown)} left)</button></p>
      )}
    </div>
  );
}

function InboxRow({ file, now }: { file: InboxEntryWire; now: number }) {
  return (
    <tr data-inbox-name={file.name} data-state={file.state}>
      <td>
        <StateBadge state={file.state} />
        {file.state === 'processing' && file.step !== 'processing' && <span className="muted"> {file.step}</span>}
      </td>
      <td className="mono" title={file.path ?? 'vanished'}>{file.name}</td>
      <td>{file.priority}</td>
      <td>{file.jobId === null ? <span className="muted">–</span> : <Link to={`/jobs/${file.jobId}`}>#{file.jobId}</Link>}</td>
      <td>{file.dataset ? <Link to={versionPath(file.dataset)}>{file.dataset.name}@{file.dataset.version}</Link> : <span className="muted">–</span>}</td>
      <td><RelTime time={file.droppedAt} now={now} /></td>
      <td className="num">{file.bytes === null ? '' : formatBytes(file.bytes)}</td>
      <td className="inbox-reason" title={file.reason ?? undefined}>{file.reason ?? (file.duplicateOf !== null ? `duplicate of #${file.duplicateOf}` : '')}</td>
    </tr>
  );
}
