/**
 * Polls the priority folders (`readdir` + `stat`; `fs.watch` misses events on network and
 * container filesystems) and reports the files that have stopped changing.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PriorityClass } from '../core/types.ts';
import { isCandidateName, PRIORITY_FOLDERS } from './names.ts';
import { isStable, observe, type FileStat, type Observation } from './stability.ts';

export interface ReadyFile {
  readonly priority: PriorityClass;
  readonly name: string;
  /** What the watcher saw; compare after hashing to catch a late write. */
  readonly stat: FileStat;
}

export interface Watcher {
  /**
   * One poll: stats every candidate file and returns up to `limit` stable ones, high priority
   * first, then oldest (mtime, then name) first.
   */
  poll(now: number, stableMs: number, limit: number): Promise<ReadyFile[]>;
  /** Starts the file's observation over (it changed while it was hashed, or its move failed). */
  restart(priority: PriorityClass, name: string, now: number): void;
}

export function createWatcher(root: string): Watcher {
  const seen = new Map<string, Observation>();

  return {
    async poll(now, stableMs, limit) {
      const present = new Set<string>();
      const ready: ReadyFile[] = [];
      for (const priority of PRIORITY_FOLDERS) {
        const folder = join(root, priority);
        const stable: ReadyFile[] = [];
        for (const name of await listFolder(folder)) {
          if (!isCandidateName(name)) continue;
          const key = `${priority}/${name}`;
          const info = await stat(join(folder, name)).catch(() => null);
          if (info === null || !info.isFile()) continue;
          present.add(key);
          const observation = observe(seen.get(key), info, now);
          seen.set(key, observation);
          if (isStable(observation, now, stableMs)) stable.push({ priority, name, stat: { size: info.size, mtimeMs: info.mtimeMs } });
        }
        stable.sort((a, b) => a.stat.mtimeMs - b.stat.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        ready.push(...stable);
      }
      for (const key of seen.keys()) if (!present.has(key)) seen.delete(key);
      return ready.slice(0, limit);
    },

    restart(priority, name, now) {
      const key = `${priority}/${name}`;
      const previous = seen.get(key);
      if (previous) seen.set(key, { ...previous, since: now });
    },
  };
}

async function listFolder(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** A candidate file in a priority folder, taken or not yet. */
export interface WaitingFile {
  readonly priority: PriorityClass;
  readonly name: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Every candidate file in the priority folders now (for listings; the loop uses `poll`). */
export async function listWaiting(root: string): Promise<WaitingFile[]> {
  const out: WaitingFile[] = [];
  for (const priority of PRIORITY_FOLDERS) {
    for (const name of await listFolder(join(root, priority))) {
      if (!isCandidateName(name)) continue;
      const info = await stat(join(root, priority, name)).catch(() => null);
      if (info !== null && info.isFile()) out.push({ priority, name, size: info.size, mtimeMs: info.mtimeMs });
    }
  }
  return out;
}
