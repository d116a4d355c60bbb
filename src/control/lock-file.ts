/**
 * The lock file of a data directory (`<data>/server.lock`): which server holds it, as
 * `PID START`, START being the process's start time (field 22 of /proc/PID/stat). With it, a
 * pid that the kernel gave to another process since (after a reboot, say) is not taken for the
 * owner; a killed server that its parent has not reaped yet (a zombie) counts as gone. Lock files
 * of older versions hold the pid alone. Written by server/lock.ts, read there and by the doctor.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAlive, readProcStart } from '../executors/local/proc.ts';

export type LockOwner =
  | { readonly kind: 'owner'; readonly pid: number; readonly alive: boolean }
  | { readonly kind: 'malformed'; readonly text: string };

/** What this process writes into the lock file it takes. */
export function lockFileText(pid: number = process.pid): string {
  const start = readProcStart(pid);
  return start === null ? String(pid) : `${pid} ${start}`;
}

/** The owner a lock file names, or null when there is no lock file. */
export function readLockOwner(path: string): LockOwner | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const match = /^(\d+)(?: (\d+))?$/.exec(text);
  const pid = Number(match?.[1]);
  if (!match || !Number.isSafeInteger(pid) || pid <= 0) return { kind: 'malformed', text };
  return { kind: 'owner', pid, alive: holds(pid, match[2] === undefined ? null : Number(match[2])) };
}

/** Whether `pid` is still the process that wrote the lock. */
function holds(pid: number, start: number | null): boolean {
  if (!existsSync('/proc/self/stat')) return signalable(pid); // no /proc: the pid is all we know
  return isAlive(pid) && (start === null || readProcStart(pid) === start);
}

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
