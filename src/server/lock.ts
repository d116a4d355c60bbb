/**
 * One server per data directory: a lock file holding the owner's pid. A lock left by a server
 * that died (kill -9) is taken over; one held by a live process is refused.
 */
import { openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { DataDirLockedError } from '../core/errors.ts';

export interface DataDirLock {
  release(): void;
}

export function acquireLock(lockPath: string, dataDir: string): DataDirLock {
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return {
        release() {
          try {
            if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) unlinkSync(lockPath);
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSafe(lockPath));
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processExists(owner)) {
        throw new DataDirLockedError(dataDir, owner);
      }
      try {
        unlinkSync(lockPath); // stale: its server is gone
      } catch {
        // another starter removed it first; try again
      }
    }
  }
  throw new DataDirLockedError(dataDir, Number(readFileSafe(lockPath)) || 0);
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
