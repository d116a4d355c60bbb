/**
 * The local executor's handle: `externalId` is `PID@START` (START: the process's start time from
 * /proc, in clock ticks since boot, so that a recycled pid is never taken for ours), or `PID`
 * where the start time is unknown. A run started before handles existed had its pid and start
 * time in two columns; the store turns those into the same form (store/sqlite/rows.ts).
 */
import type { RunHandle } from '../../core/types.ts';

export const LOCAL_EXECUTOR = 'local';

/** The process a local handle names: the run's wrapper shell, leader of its process group. */
export interface LocalProcess {
  readonly pid: number;
  /** Null where /proc did not say. */
  readonly procStart: number | null;
}

export function encodeLocalHandle(process: LocalProcess): RunHandle {
  return { executor: LOCAL_EXECUTOR, externalId: process.procStart === null ? `${process.pid}` : `${process.pid}@${process.procStart}` };
}

/** The process of a local handle; null for another executor's handle or an id not of this form. */
export function decodeLocalHandle(handle: RunHandle): LocalProcess | null {
  if (handle.executor !== LOCAL_EXECUTOR) return null;
  const match = /^(\d+)(?:@(\d+))?$/.exec(handle.externalId);
  if (!match) return null;
  const pid = Number(match[1]);
  // Never pid 0 or 1: kill(-0) would signal our own process group, and 1 is init.
  if (!Number.isSafeInteger(pid) || pid <= 1) return null;
  return { pid, procStart: match[2] === undefined ? null : Number(match[2]) };
}

/** The pid of a local handle, for the API's `pid` field (kept for older clients); else null. */
export function localPid(handle: RunHandle | null): number | null {
  return handle ? (decodeLocalHandle(handle)?.pid ?? null) : null;
}
