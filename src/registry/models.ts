/**
 * Reads of the registry that combine several store reads: a model with its versions and
 * aliases (the `show` view of the API, the CLI and the dashboard).
 */
import { NotFoundError } from '../core/errors.ts';
import type { Model, ModelAlias, ModelVersion } from '../core/registry.ts';
import type { RegistryStore } from '../store/store.ts';

export interface ModelDetail extends Model {
  /** The highest version number (`latest`, computed); null before the first version. */
  readonly latest: number | null;
  /** Oldest first. */
  readonly versions: readonly ModelVersion[];
  /** By name. */
  readonly aliases: readonly ModelAlias[];
}

/** Throws NotFoundError for an unknown model. */
export async function showModel(store: RegistryStore, name: string): Promise<ModelDetail> {
  const model = await store.getModel(name);
  if (!model) throw new NotFoundError('model', name);
  const [versions, aliases] = await Promise.all([store.listModelVersions(name), store.listAliases(name)]);
  return { ...model, latest: versions.at(-1)?.version ?? null, versions, aliases };
}

/** A version by number, `latest` or alias; throws NotFoundError naming what was asked for. */
export async function findVersion(store: RegistryStore, name: string, ref: number | string): Promise<ModelVersion> {
  const version = await store.getModelVersion(name, ref);
  if (version) return version;
  if (!(await store.getModel(name))) throw new NotFoundError('model', name);
  throw new NotFoundError('model version', `${name}@${ref}`);
}
