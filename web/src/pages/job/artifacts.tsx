/**
 * The files the job's runs attached (plots, tables, reports): images in a grid by step, CSV/TSV
 * tables as tables (their first rows), text preformatted, anything else as a download. The
 * content is read with the session's token (an <img src> cannot send it) and shown from a
 * blob URL; an SVG shown by <img> never runs script. Kept live by `artifact.attached` events.
 */
import { useCallback, useEffect, useState } from 'react';
import type { Artifact } from '../../api/http.ts';
import { Section } from '../../components/bits.tsx';
import { parseTable, separatorFor, type ParsedTable } from '../../lib/csv.ts';
import { formatBytes, formatThousands } from '../../lib/format.ts';
import { useEvent, useSession } from '../../session.tsx';

/** Images shown at once: the newest ones. */
const MAX_IMAGES = 48;
/** Table rows shown per table. */
const TABLE_ROWS = 50;
/** Tables and texts shown at once: the newest ones. */
const MAX_DOCUMENTS = 10;
/** Characters of a text shown. */
const TEXT_CHARS = 100_000;

export function Artifacts({ jobId }: { jobId: number }) {
  const { api } = useSession();
  const [list, setList] = useState<Artifact[] | null>(null);
  const load = useCallback(() => {
    api.get<{ artifacts: Artifact[] }>(`/api/v1/jobs/${jobId}/artifacts`).then((r) => setList(r.artifacts), () => setList((l) => l ?? []));
  }, [api, jobId]);
  useEffect(load, [load]);
  useEvent('domain', (event) => {
    if (event.type === 'artifact.attached' && event.jobId === jobId) load();
  }, [jobId, load]);
  useEvent('resync', load, [load]);

  if (list === null || list.length === 0) return null;
  const images = list.filter((a) => a.kind === 'image');
  const documents = list.filter((a) => a.kind === 'table' || a.kind === 'text').slice(-MAX_DOCUMENTS).reverse();
  const others = list.filter((a) => a.kind === 'other');
  return (
    <Section id="artifacts" title={<>Artifacts <span className="muted num">{list.length}</span></>}>
      {images.length > 0 && <ImageGrid images={images} />}
      {documents.map((a) => <Document key={a.id} artifact={a} />)}
      {others.length > 0 && (
        <ul className="artifact-files" data-testid="artifact-files">
          {others.map((a) => <li key={a.id}><Download artifact={a} /> <span className="muted">{stepLabel(a.step)}, {formatBytes(a.bytes)}</span></li>)}
        </ul>
      )}
    </Section>
  );
}

/** The newest images, grouped by step (ascending; those without a step first). */
function ImageGrid({ images }: { images: readonly Artifact[] }) {
  const shown = images.slice(-MAX_IMAGES);
  const steps = [...new Set(shown.map((a) => a.step))].sort((a, b) => (a ?? -Infinity) - (b ?? -Infinity));
  return (
    <div className="artifact-images" data-testid="artifact-images">
      {shown.length < images.length && <p className="muted">The newest {shown.length} of {formatThousands(images.length)} images.</p>}
      {steps.map((step) => (
        <div key={String(step)} className="artifact-step" data-step={step ?? ''}>
          <h3 className="muted">{stepLabel(step)}</h3>
          <div className="artifact-grid">
            {shown.filter((a) => a.step === step).map((a) => (
              <figure key={a.id} className="artifact-image">
                <ImageOf artifact={a} />
                <figcaption title={a.name}>{a.name}</figcaption>
              </figure>
            ))}
          </div>
        </div>
      ))}
    </div>
  );
}

function ImageOf({ artifact }: { artifact: Artifact }) {
  const url = useBlobUrl(artifact.id);
  if (url === null) return <div className="artifact-placeholder muted">…</div>;
  if (url instanceof Error) return <div className="artifact-placeholder muted">not readable</div>;
  return <img src={url} alt={artifact.name} data-artifact-id={artifact.id} loading="lazy" />;
}

/** A table's first rows or a text, read once. */
function Document({ artifact }: { artifact: Artifact }) {
  const { api } = useSession();
  const [text, setText] = useState<string | Error | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    api.blob(`/api/v1/artifacts/${artifact.id}/content`, abort.signal).then((b) => b.text()).then(setText, (e: unknown) => {
      if (!abort.signal.aborted) setText(e instanceof Error ? e : new Error(String(e)));
    });
    return () => abort.abort();
  }, [api, artifact.id]);
  return (
    <div className="artifact-document" data-testid={`artifact-${artifact.kind}`} data-artifact-id={artifact.id}>
      <h3><Download artifact={artifact} /> <span className="muted">{stepLabel(artifact.step)}, {formatBytes(artifact.bytes)}</span></h3>
      {text === null && <p className="muted">Loading…</p>}
      {text instanceof Error && <p className="muted">Not readable: {text.message}</p>}
      {typeof text === 'string' && (artifact.kind === 'table'
        ? <TableOf table={parseTable(text, separatorFor(artifact.name), TABLE_ROWS)} />
        : <pre className="artifact-text">{text.slice(0, TEXT_CHARS)}{text.length > TEXT_CHARS && `\n… (${formatThousands(text.length - TEXT_CHARS)} more characters: download it)`}</pre>)}
    </div>
  );
}

function TableOf({ table }: { table: ParsedTable }) {
  if (table.header.length === 0) return <p className="muted">An empty table.</p>;
  return (
    <>
      <div className="table-wrap">
        <table>
          <thead><tr>{table.header.map((h, i) => <th key={i}>{h}</th>)}</tr></thead>
          <tbody>{table.rows.map((row, r) => <tr key={r}>{row.map((cell, c) => <td key={c}>{cell}</td>)}</tr>)}</tbody>
        </table>
      </div>
      <p className="muted" data-testid="table-note">
        {table.rows.length < table.total ? `The first ${table.rows.length} of ${formatThousands(table.total)} rows.` : `${formatThousands(table.total)} rows.`}
      </p>
    </>
  );
}

/** A link that downloads the content with the session's token. */
function Download({ artifact }: { artifact: Artifact }) {
  const { api } = useSession();
  const save = async () => {
    const url = URL.createObjectURL(await api.blob(`/api/v1/artifacts/${artifact.id}/content`));
    const a = document.createElement('a');
    a.href = url;
    a.download = artifact.name.split('/').pop() ?? `artifact-${artifact.id}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return <a href={`#artifact-${artifact.id}`} onClick={(e) => { e.preventDefault(); void save(); }} title="download">{artifact.name}</a>;
}

/** A blob URL of an artifact's content, revoked when the component goes. */
function useBlobUrl(id: number): string | Error | null {
  const { api } = useSession();
  const [url, setUrl] = useState<string | Error | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    let made: string | null = null;
    api.blob(`/api/v1/artifacts/${id}/content`, abort.signal).then((blob) => {
      made = URL.createObjectURL(blob);
      setUrl(made);
    }, (e: unknown) => {
      if (!abort.signal.aborted) setUrl(e instanceof Error ? e : new Error(String(e)));
    });
    return () => {
      abort.abort();
      if (made) URL.revokeObjectURL(made);
    };
  }, [api, id]);
  return url;
}

function stepLabel(step: number | null): string {
  return step === null ? 'no step' : `step ${formatThousands(step)}`;
}
