/**
 * Artifacts of one kind and name side by side across variants (a Gantt chart of each variant,
 * its loss plot): pick the name, see each variant's latest one (its first run that has it),
 * labelled with the params that differ. Content is read with the session's token and shown from
 * a blob URL, as the job page's artifacts are; an SVG shown by <img> never runs script.
 */
import { useEffect, useMemo, useState } from 'react';
import type { StudyReportView } from '../../../../src/core/api/study-report.ts';
import { useSession } from '../../session.tsx';

/** Variants shown at once. */
const SHOWN = 24;

type Variant = StudyReportView['variants'][number];
type Artifact = Variant['trials'][number]['evidence']['artifacts'][number];

/** Every image artifact name the study's runs attached, most common first. */
export function imageNames(report: StudyReportView): string[] {
  const counts = new Map<string, number>();
  for (const v of report.variants) for (const t of v.trials) for (const a of t.evidence.artifacts) if (a.kind === 'image') counts.set(a.name, (counts.get(a.name) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([n]) => n);
}

/** A variant's latest artifact named `name` (highest step, then newest), from its first run that has one. */
export function latestOf(v: Variant, name: string): Artifact | null {
  for (const t of v.trials) {
    const found = t.evidence.artifacts.filter((a) => a.name === name);
    if (found.length > 0) return found.reduce((a, b) => ((b.step ?? -1) > (a.step ?? -1) || ((b.step ?? -1) === (a.step ?? -1) && b.id > a.id) ? b : a));
  }
  return null;
}

export function ArtifactsSide({ report }: { report: StudyReportView }) {
  const names = useMemo(() => imageNames(report), [report]);
  const [name, setName] = useState<string | null>(null);
  const chosen = name ?? names[0] ?? null;
  if (chosen === null) return <p className="muted">No run attached an image (run.artifact("plot.png") or <code>#trainyard artifact path=…</code>).</p>;
  const shown = report.variants.flatMap((v) => {
    const a = latestOf(v, chosen);
    return a ? [{ v, a }] : [];
  });
  return (
    <div className="artifacts-side" data-testid="artifacts-side">
      <label>Artifact{' '}
        <select value={chosen} onChange={(e) => setName(e.target.value)} aria-label="artifact name">
          {names.map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
      </label>
      {shown.length > SHOWN && <span className="muted small"> the first {SHOWN} of {shown.length} variants</span>}
      <div className="artifact-grid">
        {shown.slice(0, SHOWN).map(({ v, a }) => (
          <figure key={v.group} className="artifact-image" data-variant={v.group}>
            <Image artifact={a} />
            <figcaption>
              variant {v.group}: {report.differingParams.map((p) => `${p}=${typeof v.params[p] === 'string' ? v.params[p] : JSON.stringify(v.params[p])}`).join(' ')}
              {a.step !== null && <span className="muted"> · step {a.step}</span>}
            </figcaption>
          </figure>
        ))}
      </div>
    </div>
  );
}

function Image({ artifact }: { artifact: Artifact }) {
  const { api } = useSession();
  const [url, setUrl] = useState<string | Error | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    let made: string | null = null;
    api.blob(artifact.url, abort.signal).then((blob) => {
      made = URL.createObjectURL(blob);
      setUrl(made);
    }, (e: unknown) => {
      if (!abort.signal.aborted) setUrl(e instanceof Error ? e : new Error(String(e)));
    });
    return () => {
      abort.abort();
      if (made) URL.revokeObjectURL(made);
    };
  }, [api, artifact.url]);
  if (url === null) return <div className="artifact-placeholder muted">…</div>;
  if (url instanceof Error) return <div className="artifact-placeholder muted">not readable</div>;
  return <img src={url} alt={artifact.name} data-artifact-id={artifact.id} loading="lazy" />;
}
