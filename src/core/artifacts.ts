/**
 * Artifacts: files a run attaches that are not checkpoints (plots, Gantt images, CSV results,
 * reports), each with a kind and an optional step, kept by the server so that they outlive the
 * run's working directory (docs/training-contract.md, docs/http-api.md).
 *
 * Terminology:
 * - **kind**: how the dashboard shows it: `image` inline, `table` as a table, `text`
 *   preformatted, `other` as a download. Inferred from the name's extension when not given.
 * - **name**: the file's name as the run gave it (its base name by default); the extension of
 *   the name decides the inferred kind and the media type it is served with.
 *
 * Pure: no I/O. The control layer (control/artifacts.ts) checks paths and copies bytes.
 */

import { nameProblem } from './names.ts';

/** The kinds an artifact can have. */
export const ARTIFACT_KINDS = ['image', 'table', 'text', 'other'] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/**
 * Largest artifact, in bytes, through every door (line protocol, SDKs, HTTP). Default and
 * limit: 64 MiB. Artifacts are plots, tables and reports; model weights are checkpoints.
 */
export const ARTIFACT_MAX_BYTES = 64 << 20;

/** Longest artifact name, in characters. */
export const ARTIFACT_NAME_MAX = 200;

/** An attached file as the store keeps it. */
export interface Artifact {
  readonly id: number;
  readonly jobId: number;
  readonly runId: number;
  readonly name: string;
  readonly kind: ArtifactKind;
  /** The training step it belongs to; null when the run gave none. */
  readonly step: number | null;
  /** The media type it is served with (from the name's extension). */
  readonly mediaType: string;
  readonly bytes: number;
  /** Hex sha256 of the content; the stored file is named after it. */
  readonly sha256: string;
  readonly createdAt: number;
}

/** What a run asks to attach, before its bytes are read. */
export interface ArtifactRequest {
  readonly name: string;
  readonly kind: ArtifactKind;
  readonly step: number | null;
}

const EXTENSIONS: Readonly<Record<string, { readonly kind: ArtifactKind; readonly mediaType: string }>> = {
  png: { kind: 'image', mediaType: 'image/png' },
  jpg: { kind: 'image', mediaType: 'image/jpeg' },
  jpeg: { kind: 'image', mediaType: 'image/jpeg' },
  gif: { kind: 'image', mediaType: 'image/gif' },
  webp: { kind: 'image', mediaType: 'image/webp' },
  svg: { kind: 'image', mediaType: 'image/svg+xml' },
  csv: { kind: 'table', mediaType: 'text/csv; charset=utf-8' },
  tsv: { kind: 'table', mediaType: 'text/tab-separated-values; charset=utf-8' },
  txt: { kind: 'text', mediaType: 'text/plain; charset=utf-8' },
  log: { kind: 'text', mediaType: 'text/plain; charset=utf-8' },
  md: { kind: 'text', mediaType: 'text/markdown; charset=utf-8' },
  json: { kind: 'text', mediaType: 'application/json' },
  yaml: { kind: 'text', mediaType: 'text/yaml; charset=utf-8' },
  yml: { kind: 'text', mediaType: 'text/yaml; charset=utf-8' },
};

/** Every media type an artifact's content may be served with. */
export const ARTIFACT_MEDIA_TYPES: readonly string[] = [...new Set([...Object.values(EXTENSIONS).map((e) => e.mediaType), 'application/octet-stream'])];

function extensionOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/**
 * The kind a name implies: `.png .jpg .jpeg .gif .webp .svg` → image, `.csv .tsv` → table,
 * `.txt .log .md .json .yaml .yml` → text, anything else → other.
 */
export function inferArtifactKind(name: string): ArtifactKind {
  return EXTENSIONS[extensionOf(name)]?.kind ?? 'other';
}

/** The media type an artifact is served with; `application/octet-stream` for unknown extensions. */
export function artifactMediaType(name: string): string {
  return EXTENSIONS[extensionOf(name)]?.mediaType ?? 'application/octet-stream';
}

export function isArtifactKind(value: string): value is ArtifactKind {
  return (ARTIFACT_KINDS as readonly string[]).includes(value);
}

/** A problem with a request, naming the field. */
export interface ArtifactProblem {
  readonly field: 'name' | 'kind' | 'step';
  readonly message: string;
}

/**
 * Checks and completes a request: the kind is inferred from the name when absent.
 * @returns the request, or the first problem (never throws).
 */
export function artifactRequest(input: { readonly name: string; readonly kind?: string | null; readonly step?: number | null }): ArtifactRequest | ArtifactProblem {
  const { name } = input;
  // Shown raw in terminals, logs and the dashboard: the rule of every name (core/names.ts).
  const problem = nameProblem(name, { maxLength: ARTIFACT_NAME_MAX });
  if (problem !== null) return { field: 'name', message: problem };
  let kind: ArtifactKind;
  if (input.kind === undefined || input.kind === null || input.kind === '') kind = inferArtifactKind(name);
  else if (isArtifactKind(input.kind)) kind = input.kind;
  else return { field: 'kind', message: `must be one of ${ARTIFACT_KINDS.join(', ')}, got '${input.kind}'` };
  const step = input.step ?? null;
  if (step !== null && !Number.isFinite(step)) return { field: 'step', message: `must be a finite number, got ${step}` };
  return { name, kind, step };
}

export function isArtifactProblem(value: ArtifactRequest | ArtifactProblem): value is ArtifactProblem {
  return 'message' in value;
}

/** The refusal of a file over the cap, naming both sizes. */
export function tooLargeMessage(bytes: number): string {
  return `is ${bytes} bytes, over the artifact limit of ${ARTIFACT_MAX_BYTES} bytes (64 MiB)`;
}
