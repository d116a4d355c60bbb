/**
 * The lineage graph as SVG, left to right (lib/lineage.ts builds and places it): a click on a
 * node opens its dataset version, job, version row or the deployments page.
 */
import { useMemo } from 'react';
import type { ModelVersion } from '../../api/http.ts';
import { layoutLineage, lineageGraph, type LineageKind, type TargetLineageInput } from '../../lib/lineage.ts';
import { navigate } from '../../router.tsx';
import { modelPath } from './models-page.tsx';

/** Versions drawn: the newest this many (the table lists them all). Default: 20. */
const MAX_VERSIONS = 20;
const HEAD = 22;
const TITLES: Record<LineageKind, string> = { dataset: 'Datasets', job: 'Job', checkpoint: 'Checkpoint', version: 'Version', alias: 'Alias', target: 'Deployment' };

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function LineageGraph({ model, versions, targets }: { model: string; versions: readonly ModelVersion[]; targets: readonly TargetLineageInput[] }) {
  const shown = Math.min(versions.length, MAX_VERSIONS);
  const layout = useMemo(() => layoutLineage(lineageGraph(model, versions.slice(-MAX_VERSIONS), targets)), [model, versions, targets]);
  const here = `${modelPath(model)}#`;
  const chars = Math.floor((layout.nodeWidth - 16) / 7);
  return (
    <div className="lineage panel" data-testid="lineage">
      {versions.length > shown && <p className="muted hint">The newest {shown} of {versions.length} versions.</p>}
      <div className="lineage-scroll">
        <svg width={layout.width} height={layout.height + HEAD} viewBox={`0 ${-HEAD} ${layout.width} ${layout.height + HEAD}`} role="img" aria-label={`lineage of ${model}`}>
          {layout.columns.map((kind, c) => (
            <text key={kind} className="lineage-head" x={layout.nodes.find((n) => n.column === c)?.x ?? 0} y={-8}>{TITLES[kind]}</text>
          ))}
          {layout.edges.map((e) => <path key={`${e.from}→${e.to}`} className="lineage-edge" d={e.path} />)}
          {layout.nodes.map((n) => {
            const inPage = n.href?.startsWith(here) ? n.href.slice(here.length - 1) : null;
            const open = () => {
              if (inPage) window.location.hash = inPage;
              else if (n.href) navigate(n.href);
            };
            return (
              <g key={n.id} className={`lineage-node kind-${n.kind}${n.href ? ' link' : ''}`} data-node={n.id} transform={`translate(${n.x},${n.y})`}
                onClick={open} role={n.href ? 'link' : undefined} tabIndex={n.href ? 0 : undefined}
                onKeyDown={(e) => { if (e.key === 'Enter') open(); }}>
                <title>{[n.label, n.detail].filter(Boolean).join('\n')}</title>
                <rect width={layout.nodeWidth} height={layout.nodeHeight} rx={6} />
                <text x={8} y={n.detail ? 16 : 24} className="lineage-label">{clip(n.label, chars)}</text>
                {n.detail && <text x={8} y={32} className="lineage-detail">{clip(n.detail, chars + 2)}</text>}
              </g>
            );
          })}
        </svg>
      </div>
    </div>
  );
}
