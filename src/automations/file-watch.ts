/**
 * Watches one file for changes: `fs.watch` on its folder (the file may not exist yet, and
 * editors replace files) plus a poll of its size and mtime, for file systems where watching
 * misses changes. Calls `changed()` at most once per `pollMs` burst.
 */
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export function watchFile(path: string, changed: () => void, pollMs: number): () => void {
  let last = '';
  let timer: NodeJS.Timeout | null = null;
  const signature = async () => {
    try {
      const s = await stat(path);
      return `${s.size}:${s.mtimeMs}:${s.ino}`;
    } catch {
      return 'absent';
    }
  };
  const check = async () => {
    const now = await signature();
    if (now !== last) {
      last = now;
      changed();
    }
  };
  void signature().then((s) => (last = s));
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(dirname(path), (_, name) => {
      if (name !== null && name !== basename(path)) return;
      if (timer) return;
      // Editors write in steps: read once the burst settled.
      timer = setTimeout(() => {
        timer = null;
        void check();
      }, 50);
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = null; // the poll still sees changes
  }
  const poll = setInterval(() => void check(), pollMs);
  poll.unref();
  return () => {
    watcher?.close();
    clearInterval(poll);
    if (timer) clearTimeout(timer);
  };
}
