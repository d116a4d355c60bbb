/**
 * Registering dataset versions and validating registered ones, over the Store:
 *
 *   name and format checked → content ingested into `<datasetDir>/<sha256>` (ingest.ts) →
 *   the stored copy validated at the requested depth (against the eval sets named, at deep) →
 *   version and report recorded in one store call.
 *
 * A version that fails validation is still registered, with its failing report: it is immutable
 * evidence of what was offered, and a job refuses to start on it (job-datasets.ts).
 */
import { isAbsolute, join } from 'node:path';
import {
  DATASET_NAME,
  type DatasetVersion,
  formatDatasetRef,
  parseDatasetRef,
  RESERVED_DATASET_NAMES,
  type ValidationLevel,
  type ValidationReport,
  type ValidationSettings,
} from '../core/datasets.ts';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import type { DatasetStore } from '../store/store.ts';
import type { EvalSetInput } from './eval-sets.ts';
import type { FormatSpec } from './formats/format.ts';
import { BUILTIN_FORMATS, resolveFormat } from './formats/registry.ts';
import { ingest } from './ingest.ts';
import { validatePath } from './validate.ts';

export interface DatasetDeps {
  readonly store: DatasetStore;
  /** `<dataDir>/datasets`. */
  readonly datasetDir: string;
  readonly now: () => number;
}

export interface RegisterRequest {
  readonly name: string;
  /** Absolute path of a file or folder on the server's machine. */
  readonly path: string;
  readonly format: string;
  /** Default: standard. */
  readonly level?: ValidationLevel;
  /** Registered eval sets (`name` or `name@version`) to check contamination against, at deep. */
  readonly eval?: readonly string[];
  readonly settings?: Partial<ValidationSettings>;
}

export interface Registered {
  readonly version: DatasetVersion;
  /** False when the name already held this content. */
  readonly created: boolean;
  readonly report: ValidationReport;
}

/** A built-in format, or a user format from the store; `UnknownFormatError` otherwise. */
export async function formatFor(store: DatasetStore, name: string): Promise<FormatSpec> {
  if (BUILTIN_FORMATS.has(name)) return resolveFormat(name);
  const stored = await store.getFormat(name);
  return resolveFormat(name, stored ? [stored.definition] : (await store.listFormats()).map((f) => f.definition));
}

/** The absolute path of a version's stored content. */
export function storedPath(datasetDir: string, version: Pick<DatasetVersion, 'path'>): string {
  return join(datasetDir, version.path);
}

export async function registerDataset(deps: DatasetDeps, request: RegisterRequest): Promise<Registered> {
  const { store } = deps;
  if (!DATASET_NAME.test(request.name) || RESERVED_DATASET_NAMES.has(request.name)) {
    throw new ValidationError(RESERVED_DATASET_NAMES.has(request.name)
      ? `${JSON.stringify(request.name)} is reserved`
      : 'letters, digits, ".", "_" and "-", starting with a letter or digit, at most 100', 'name', { code: 'invalid_input' });
  }
  if (!isAbsolute(request.path)) throw new ValidationError('must be an absolute path on the server', 'path', { code: 'invalid_input' });
  const format = await formatFor(store, request.format);
  const level = request.level ?? 'standard';
  const evalSets = await resolveEvalSets(deps, request.eval ?? []);
  const stored = await ingest(request.path, deps.datasetDir);
  const existing = (await store.listDatasetVersions(request.name)).find((v) => v.sha256 === stored.sha256);
  if (existing && existing.format !== format.name) {
    throw new ConflictError(`${formatDatasetRef(existing.name, existing.version)} holds this content as format ${existing.format}, not ${format.name}`);
  }
  const report = await validatePath(join(deps.datasetDir, stored.path), {
    format,
    level,
    evalSets,
    settings: request.settings,
    displayName: stored.folder ? undefined : stored.path.slice(stored.path.indexOf('/') + 1),
  });
  const { version, created } = await store.registerDatasetVersion(
    { name: request.name, sha256: stored.sha256, format: format.name, bytes: stored.bytes, files: stored.files, source: request.path, path: stored.path },
    report,
    deps.now(),
  );
  return { version, created, report };
}

/** Validates a registered version again (another depth, other eval sets) and records it. */
export async function checkDataset(deps: DatasetDeps, ref: { name: string; version: number | null }, request: { level: ValidationLevel; eval?: readonly string[]; settings?: Partial<ValidationSettings> }): Promise<{ version: DatasetVersion; report: ValidationReport }> {
  const version = await loadVersion(deps.store, ref);
  const format = await formatFor(deps.store, version.format);
  const evalSets = await resolveEvalSets(deps, request.eval ?? []);
  const report = await validatePath(storedPath(deps.datasetDir, version), {
    format,
    level: request.level,
    evalSets,
    settings: request.settings,
    displayName: version.files === 1 && version.path.includes('/') ? version.path.slice(version.path.indexOf('/') + 1) : undefined,
  });
  await deps.store.recordValidation(version.id, report, deps.now());
  return { version: (await deps.store.getDataset(version.name, version.version)) ?? version, report };
}

/** A version by reference; NotFoundError naming what is missing. */
export async function loadVersion(store: DatasetStore, ref: { name: string; version: number | null }): Promise<DatasetVersion> {
  const version = await store.getDataset(ref.name, ref.version ?? undefined);
  if (version) return version;
  throw new NotFoundError(ref.version === null ? 'dataset' : `version ${ref.version} of dataset`, ref.name);
}

/** Registered eval sets by reference, ready for the contamination check; ValidationError naming `eval.N`. */
export async function resolveEvalSets(deps: DatasetDeps, refs: readonly string[]): Promise<EvalSetInput[]> {
  const out: EvalSetInput[] = [];
  for (const [i, text] of refs.entries()) {
    const ref = parseDatasetRef(text);
    if (!ref) throw new ValidationError(`${JSON.stringify(text)} is not name or name@version`, `eval.${i}`, { code: 'invalid_input' });
    const version = await deps.store.getDataset(ref.name, ref.version ?? undefined);
    if (!version) throw new ValidationError(`eval set ${text} is not registered`, `eval.${i}`, { code: 'invalid_input' });
    out.push({
      ref: formatDatasetRef(version.name, version.version),
      path: storedPath(deps.datasetDir, version),
      format: await formatFor(deps.store, version.format),
      sha256: version.sha256,
    });
  }
  return out;
}
