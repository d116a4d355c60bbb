/**
 * One server per data directory: a lock file naming the owner (control/lock-file.ts). A lock
 * left by a server that died (kill -9) is taken over; one held by a live process is refused.
 */
import { openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { lockFileText, readLockOwner } from '../control/lock-file.ts';
import { DataDirLockedError } from '../core/errors.ts';

export interface DataDirLock {
  release(): void;
}

export function acquireLock(lockPath: string, dataDir: string): DataDirLock {
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      const text = lockFileText();
      writeSync(fd, text);
      closeSync(fd);
      return {
        release() {
          try {
            if (readFileSync(lockPath, 'utf8').trim() === text) unlinkSync(lockPath);
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readLockOwner(lockPath);
      if (owner?.kind === 'owner' && owner.alive && owner.pid !== process.pid) throw new DataDirLockedError(dataDir, owner.pid);
      try {
        unlinkSync(lockPath); // stale: its server is gone
      } catch {
        // another starter removed it first; try again
      }
    }
  }
  const owner = readLockOwner(lockPath);
  throw new DataDirLockedError(dataDir, owner?.kind === 'owner' ? owner.pid : 0);
}
