/**
 * A run's log, live: read through `GET /jobs/:id/log?attempt=&offset=` (1 MiB per call), then
 * extended by `log` events; a gap (missed events) is read from the server. Follow keeps the
 * view at the bottom until you scroll up; search shows the matching lines.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Run } from '../../api/http.ts';
import { Section } from '../../components/bits.tsx';
import { formatThousands } from '../../lib/format.ts';
import { appendLog, EMPTY_LOG, planLogEvent, searchLog, type LogBuffer } from '../../lib/log-buffer.ts';
import { useEvent, useSession } from '../../session.tsx';

/** Reads per load: a log bigger than this many MiB shows its first part, then live lines. */
const MAX_READS = 64;
const CHUNK = 1 << 20;

export function LogTail({ jobId, runs }: { jobId: number; runs: readonly Run[] }) {
  const { api } = useSession();
  const [chosen, setChosen] = useState<number | null>(null);
  const run = chosen === null ? runs[runs.length - 1] : runs.find((r) => r.attempt === chosen);
  const [log, setLog] = useState<LogBuffer>(EMPTY_LOG);
  const [follow, setFollow] = useState(true);
  const [query, setQuery] = useState('');
  const logRef = useRef(log);
  logRef.current = log;
  const reading = useRef(false);
  const view = useRef<HTMLPreElement>(null);

  const readFrom = useCallback(async (attempt: number, start: LogBuffer) => {
    if (reading.current) return;
    reading.current = true;
    try {
      let buffer = start;
      for (let i = 0; i < MAX_READS; i++) {
        const { text, bytes, headers } = await api.text(`/api/v1/jobs/${jobId}/log`, { attempt, offset: buffer.offset });
        buffer = appendLog(buffer, text, Number(headers.get('x-log-offset') ?? buffer.offset + bytes));
        setLog(buffer);
        if (bytes < CHUNK) break;
      }
    } catch {
      // the next event or reload retries
    } finally {
      reading.current = false;
    }
  }, [api, jobId]);

  const runId = run?.id;
  const attempt = run?.attempt;
  useEffect(() => {
    setLog(EMPTY_LOG);
    if (attempt !== undefined) void readFrom(attempt, EMPTY_LOG);
  }, [attempt, readFrom]);

  useEvent('log', (event) => {
    if (event.jobId !== jobId || event.runId !== runId || attempt === undefined) return;
    const plan = planLogEvent(logRef.current, event.text, event.offset);
    if (plan === 'append' && !reading.current) setLog((b) => appendLog(b, event.text, event.offset));
    else if (plan !== 'ignore') void readFrom(attempt, logRef.current);
  }, [jobId, runId, attempt, readFrom]);

  useLayoutEffect(() => {
    const el = view.current;
    if (follow && el) el.scrollTop = el.scrollHeight;
  }, [log, follow, query]);

  const onScroll = () => {
    const el = view.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
    if (atBottom !== follow) setFollow(atBottom);
  };

  const matches = query ? searchLog(log, query) : null;
  const text = log.lines.join('\n') + (log.partial ? `\n${log.partial}` : '');
  return (
    <Section id="log" title="Log" actions={
      <>
        {runs.length > 1 && (
          <select value={chosen ?? ''} onChange={(e) => setChosen(e.target.value ? Number(e.target.value) : null)} aria-label="Attempt">
            <option value="">latest attempt</option>
            {runs.map((r) => <option key={r.id} value={r.attempt}>attempt {r.attempt}</option>)}
          </select>
        )}
        <input type="search" placeholder="Search the log" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Search the log" />
        <label className="inline"><input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow</label>
      </>
    }>
      {!run && <p className="empty">No run yet: the log starts when the job does.</p>}
      {run && (
        <pre ref={view} className="log" onScroll={onScroll} data-testid="log" tabIndex={0} aria-label={`Log of attempt ${run.attempt}`}>
          {log.dropped > 0 && !matches && <span className="muted">… {formatThousands(log.dropped)} earlier lines not shown{'\n'}</span>}
          {matches ? matches.slice(-2000).map(({ n, line }) => (
            <span key={n} className="log-match"><span className="muted">{String(n).padStart(6)} </span>{highlight(line, query)}{'\n'}</span>
          )) : text}
        </pre>
      )}
      {matches && <p className="hint muted">{formatThousands(matches.length)} matching line{matches.length === 1 ? '' : 's'} of the last {formatThousands(log.lines.length)}</p>}
    </Section>
  );
}

function highlight(line: string, query: string) {
  const i = line.toLowerCase().indexOf(query.toLowerCase());
  if (i < 0) return line;
  return <>{line.slice(0, i)}<mark>{line.slice(i, i + query.length)}</mark>{line.slice(i + query.length)}</>;
}
