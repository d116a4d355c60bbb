/**
 * When is a dropped file complete? When its size and mtime stayed the same across two polls at
 * least `stableMs` apart. Pure: the watcher passes in what it saw and when.
 */

export interface FileStat {
  readonly size: number;
  readonly mtimeMs: number;
}

/** What the watcher last saw of a file, and since when it has looked like that. */
export interface Observation extends FileStat {
  readonly since: number;
}

/** Folds one poll into the observation of a file (`previous` undefined: first seen). */
export function observe(previous: Observation | undefined, stat: FileStat, now: number): Observation {
  if (previous && previous.size === stat.size && previous.mtimeMs === stat.mtimeMs) return previous;
  return { size: stat.size, mtimeMs: stat.mtimeMs, since: now };
}

/** True when the file has looked the same for at least `stableMs`. */
export function isStable(observation: Observation, now: number, stableMs: number): boolean {
  return now - observation.since >= stableMs;
}

/** True when a second look (after hashing, say) shows a change. */
export function changedSince(observation: FileStat, stat: FileStat): boolean {
  return observation.size !== stat.size || observation.mtimeMs !== stat.mtimeMs;
}
