/**
 * A model's lineage from data to serving, one column per kind, left to right:
 * dataset versions → job → checkpoint → model version → alias → deploy target.
 * `lineageGraph` builds it from the registry's answer (each version's recorded lineage, the
 * aliases pointing at it) and the deploy targets that serve the model; `layoutLineage` places
 * it for drawing (pages/models/lineage-graph.tsx draws it as SVG). Pure.
 */

export const LINEAGE_COLUMNS = ['dataset', 'job', 'checkpoint', 'version', 'alias', 'target'] as const;
export type LineageKind = (typeof LINEAGE_COLUMNS)[number];

export interface LineageNode {
  /** Unique in the graph: `job:12`, `version:3`, `dataset:text@2`. */
  readonly id: string;
  readonly kind: LineageKind;
  readonly label: string;
  /** A second, quieter line; null for none. */
  readonly detail: string | null;
  /** Where a click goes in the dashboard; null for nowhere. */
  readonly href: string | null;
}

export interface LineageEdge {
  readonly from: string;
  readonly to: string;
}

export interface LineageGraph {
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
}

/** What the graph reads of a model version (the API's ModelVersion has it). */
export interface VersionLineageInput {
  readonly version: number;
  readonly aliases: readonly string[];
  readonly lineage: {
    readonly checkpoint: { readonly id: number; readonly step: number };
    readonly job: { readonly id: number; readonly name: string; readonly from?: unknown };
    readonly datasets: ReadonlyArray<{ readonly role: string; readonly name: string; readonly version: number }>;
  };
}

/** What the graph reads of a deploy target. */
export interface TargetLineageInput {
  readonly name: string;
  readonly model: string;
  /** The alias it follows. */
  readonly alias: string;
  /** The version it serves now; null before its first deployment. */
  readonly version: number | null;
}

/**
 * Where a job started from, in a few words: "chat v2" (a model version), "job 12 step 500" (a
 * resolved checkpoint, the API's `InitFrom`), or the declared form ("chat@production",
 * "job 12 (best)", "checkpoint 345"); null when the job started from nothing.
 */
export function describeFrom(from: unknown): string | null {
  if (from === null || from === undefined) return null;
  if (typeof from === 'string') return from.replace(/^model:/, '');
  if (typeof from !== 'object') return String(from);
  const f = from as Record<string, unknown>;
  const model = f.model as { name?: unknown; version?: unknown } | string | null | undefined;
  if (model && typeof model === 'object' && typeof model.name === 'string') return `${model.name} v${String(model.version)}`;
  if (typeof f.checkpointId === 'number' && typeof f.jobId === 'number') return `job ${f.jobId} step ${String(f.step)}`;
  if (typeof model === 'string') return `${model}${f.version !== undefined ? `@${String(f.version)}` : f.alias !== undefined ? `@${String(f.alias)}` : ''}`;
  if (f.checkpoint !== undefined) return `checkpoint ${String(f.checkpoint)}`;
  if (f.job !== undefined) return `job ${String(f.job)}${typeof f.pick === 'string' ? ` (${f.pick})` : ''}`;
  return JSON.stringify(from);
}

/** The graph of `model`'s versions (oldest first) and the targets that serve it. */
export function lineageGraph(model: string, versions: readonly VersionLineageInput[], targets: readonly TargetLineageInput[] = []): LineageGraph {
  const nodes = new Map<string, LineageNode>();
  const edges = new Map<string, LineageEdge>();
  const node = (n: LineageNode) => {
    if (!nodes.has(n.id)) nodes.set(n.id, n);
    return n.id;
  };
  const edge = (from: string, to: string) => edges.set(`${from}→${to}`, { from, to });
  const modelPath = `/models/${encodeURIComponent(model)}`;

  for (const v of versions) {
    const { job, checkpoint, datasets } = v.lineage;
    const from = describeFrom(job.from);
    const jobId = node({ id: `job:${job.id}`, kind: 'job', label: `#${job.id} ${job.name}`, detail: from ? `from ${from}` : null, href: `/jobs/${job.id}` });
    for (const d of datasets) {
      const ref = `${d.name}@${d.version}`;
      edge(node({ id: `dataset:${ref}`, kind: 'dataset', label: ref, detail: d.role, href: `/datasets/${encodeURIComponent(d.name)}/${d.version}` }), jobId);
    }
    const cp = node({ id: `checkpoint:${checkpoint.id}`, kind: 'checkpoint', label: `step ${checkpoint.step}`, detail: `checkpoint ${checkpoint.id}`, href: `/jobs/${job.id}#checkpoints` });
    edge(jobId, cp);
    const ver = node({ id: `version:${v.version}`, kind: 'version', label: `v${v.version}`, detail: model, href: `${modelPath}#v${v.version}` });
    edge(cp, ver);
    for (const alias of v.aliases) edge(ver, node({ id: `alias:${alias}`, kind: 'alias', label: alias, detail: `→ v${v.version}`, href: `${modelPath}#aliases` }));
  }

  const latest = versions.length > 0 ? Math.max(...versions.map((v) => v.version)) : null;
  for (const t of targets) {
    if (t.model !== model) continue;
    const target = node({ id: `target:${t.name}`, kind: 'target', label: t.name, detail: t.version === null ? 'nothing deployed' : `serving v${t.version}`, href: '/deployments' });
    const aliasId = `alias:${t.alias}`;
    if (t.alias === 'latest' && latest !== null && !nodes.has(aliasId)) {
      edge(`version:${latest}`, node({ id: aliasId, kind: 'alias', label: 'latest', detail: `→ v${latest} (computed)`, href: null }));
    }
    if (nodes.has(aliasId)) edge(aliasId, target);
    else if (t.version !== null && nodes.has(`version:${t.version}`)) edge(`version:${t.version}`, target);
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

export interface LayoutOptions {
  /** Default 168. */
  readonly nodeWidth?: number;
  /** Default 40. */
  readonly nodeHeight?: number;
  /** Default 48. */
  readonly columnGap?: number;
  /** Default 12. */
  readonly rowGap?: number;
}

export interface PlacedNode extends LineageNode {
  readonly x: number;
  readonly y: number;
  readonly column: number;
}

export interface PlacedEdge extends LineageEdge {
  /** An SVG path from the right side of `from` to the left side of `to`. */
  readonly path: string;
}

export interface LineageLayout {
  readonly width: number;
  readonly height: number;
  readonly nodeWidth: number;
  readonly nodeHeight: number;
  /** The kinds of the columns drawn (empty kinds take no column). */
  readonly columns: readonly LineageKind[];
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
}

/**
 * One column per kind that has nodes; within a column nodes are ordered by the mean position of
 * their neighbours in the column before (then after, then before again: fewer crossings), and
 * each column is centred vertically.
 */
export function layoutLineage(graph: LineageGraph, options: LayoutOptions = {}): LineageLayout {
  const nodeWidth = options.nodeWidth ?? 168;
  const nodeHeight = options.nodeHeight ?? 40;
  const columnGap = options.columnGap ?? 48;
  const rowGap = options.rowGap ?? 12;
  const columns = LINEAGE_COLUMNS.filter((kind) => graph.nodes.some((n) => n.kind === kind));
  const order: LineageNode[][] = columns.map((kind) => graph.nodes.filter((n) => n.kind === kind));
  const index = new Map<string, number>();
  const reindex = () => order.forEach((col) => col.forEach((n, i) => index.set(n.id, i)));
  reindex();

  // Edges run left to right: -1 reads a node's sources, 1 its destinations.
  const neighbours = (id: string, side: -1 | 1) =>
    graph.edges.filter((e) => (side === -1 ? e.to === id : e.from === id)).map((e) => (side === -1 ? e.from : e.to)).filter((other) => index.has(other));
  const sweep = (c: number, side: -1 | 1) => {
    const centre = (n: LineageNode) => {
      const near = neighbours(n.id, side);
      return near.length === 0 ? Number.POSITIVE_INFINITY : near.reduce((sum, id) => sum + index.get(id)!, 0) / near.length;
    };
    const keyed = order[c].map((n, i) => ({ n, i, k: centre(n) }));
    keyed.sort((a, b) => (a.k === b.k ? a.i - b.i : a.k - b.k));
    order[c] = keyed.map((x) => x.n);
    reindex();
  };
  for (let c = 1; c < order.length; c++) sweep(c, -1);
  for (let c = order.length - 2; c >= 0; c--) sweep(c, 1);
  for (let c = 1; c < order.length; c++) sweep(c, -1);

  const tallest = Math.max(0, ...order.map((col) => col.length));
  const height = tallest === 0 ? 0 : tallest * nodeHeight + (tallest - 1) * rowGap;
  const width = columns.length === 0 ? 0 : columns.length * nodeWidth + (columns.length - 1) * columnGap;
  const placed = new Map<string, PlacedNode>();
  order.forEach((col, c) => {
    const top = (height - (col.length * nodeHeight + (col.length - 1) * rowGap)) / 2;
    col.forEach((n, i) => placed.set(n.id, { ...n, column: c, x: c * (nodeWidth + columnGap), y: top + i * (nodeHeight + rowGap) }));
  });
  const edges = graph.edges.flatMap((e) => {
    const a = placed.get(e.from);
    const b = placed.get(e.to);
    if (!a || !b) return [];
    const x1 = a.x + nodeWidth;
    const y1 = a.y + nodeHeight / 2;
    const x2 = b.x;
    const y2 = b.y + nodeHeight / 2;
    const mid = (x1 + x2) / 2;
    return [{ ...e, path: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}` }];
  });
  return { width, height, nodeWidth, nodeHeight, columns, nodes: [...placed.values()], edges };
}
