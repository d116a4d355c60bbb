/**
 * The versions a serving process holds in memory, and which one its model name serves.
 *
 * - `stage` loads a version through the backend without serving it: it answers requests that
 *   name it (`NAME@vN`), so it can be smoke-checked before it takes traffic.
 * - `switch` makes a loaded version the one `NAME` serves. A request takes its servable when it
 *   starts, so requests in flight finish on the weights they started with; none fails.
 * - `unload` drops a version that does not serve.
 */
import { ConflictError, TrainyardError } from '../core/errors.ts';

/** What a backend module exports (`--backend MODULE`): the char-lm one is examples/char-lm/serve-backend.ts. */
export interface ServingBackend {
  /** Loads a checkpoint; throws (naming what is wrong) when it cannot. */
  load(path: string): Promise<Servable>;
}

export interface GenerateOptions {
  readonly maxTokens: number;
  readonly temperature: number;
  /** Default: random. */
  readonly seed?: number;
}

export interface Servable {
  generate(prompt: string, options: GenerateOptions): string | Promise<string>;
}

/** The backend could not load a checkpoint: its words say why (HTTP 422). */
export class LoadError extends TrainyardError {
  override readonly code = 'bad_checkpoint';
  constructor(readonly version: number, readonly path: string, options: { cause: unknown }) {
    super(`version ${version} (${path}) could not be loaded: ${String((options.cause as Error)?.message ?? options.cause)}`, options);
  }
}

/** A request named a model or version this process does not hold (HTTP 404). */
export class UnknownModelError extends TrainyardError {
  override readonly code = 'model_not_found';
}

export interface LoadedVersion {
  readonly version: number;
  readonly path: string;
  readonly servable: Servable;
  readonly loadedAt: number;
}

export interface ModelSlots {
  readonly model: string;
  /** Loads `version` from `path` (again when the path differs); the serving version stays. Throws LoadError. */
  stage(version: number, path: string): Promise<LoadedVersion>;
  /** `NAME` serves `version` from now on. Throws UnknownModelError when it is not loaded. */
  switch(version: number): LoadedVersion;
  /** Drops a loaded version; false when it was not loaded. Throws ConflictError when it serves. */
  unload(version: number): boolean;
  /** The version a request for `name` gets: `NAME` → the serving one, `NAME@vN` → version N. Throws UnknownModelError. */
  resolve(name: string): LoadedVersion;
  serving(): LoadedVersion | null;
  loaded(): LoadedVersion[];
}

export function createModelSlots(model: string, backend: ServingBackend, now: () => number = Date.now): ModelSlots {
  const versions = new Map<number, LoadedVersion>();
  let serving: LoadedVersion | null = null;

  const describeLoaded = () => (versions.size === 0 ? 'none is loaded' : `loaded: ${[...versions.keys()].map((v) => `${model}@v${v}`).join(', ')}`);

  return {
    model,
    async stage(version, path) {
      const held = versions.get(version);
      if (held && held.path === path) return held;
      let servable: Servable;
      try {
        servable = await backend.load(path);
      } catch (error) {
        throw new LoadError(version, path, { cause: error });
      }
      const loaded: LoadedVersion = { version, path, servable, loadedAt: now() };
      versions.set(version, loaded);
      if (serving?.version === version) serving = loaded;
      return loaded;
    },
    switch(version) {
      const loaded = versions.get(version);
      if (!loaded) throw new UnknownModelError(`${model}@v${version} is not loaded: stage it first (${describeLoaded()})`);
      serving = loaded;
      return loaded;
    },
    unload(version) {
      if (serving?.version === version) throw new ConflictError(`${model}@v${version} serves ${model}: switch to another version before unloading it`);
      return versions.delete(version);
    },
    resolve(name) {
      if (name === model) {
        if (serving === null) throw new UnknownModelError(`no version of ${model} serves yet (${describeLoaded()})`);
        return serving;
      }
      const match = /^(.*)@v(\d+)$/.exec(name);
      const loaded = match && match[1] === model ? versions.get(Number(match[2])) : undefined;
      if (!loaded) throw new UnknownModelError(`model ${JSON.stringify(name)} is not served here: this server serves ${model} and ${model}@vN (${describeLoaded()})`);
      return loaded;
    },
    serving: () => serving,
    loaded: () => [...versions.values()].sort((a, b) => a.version - b.version),
  };
}
