/**
 * Disk-pressure mode: while free space on the data directory's filesystem is under
 * `TRAINYARD_GC_MIN_FREE`, delete the oldest unprotected checkpoint of any job, one at a time,
 * reading free space again after each, until it is above the floor or nothing unprotected is
 * left. Keep rules do not hold here (a policy decides normal collection); protections do.
 */
import { statfs } from 'node:fs/promises';
import { describePressure, formatBytes, underPressure, type FreeSpace, type FreeSpaceFloor } from '../core/disk-pressure.ts';
import type { Store } from '../store/store.ts';
import { removeCheckpoint } from './gc-files.ts';
import { gatherProtections, type ProtectionSource } from './protections.ts';

export interface PressureDeps {
  readonly store: Store;
  readonly checkpointDir: (jobId: number) => string;
  readonly now: () => number;
  readonly log: (line: string) => void;
  readonly freeSpace: () => Promise<FreeSpace>;
  readonly minFree: FreeSpaceFloor | null;
  readonly sources: readonly ProtectionSource[];
  /** The last "nothing left" line logged, so a lasting shortage is logged once, not every pass. */
  readonly state: { lastLine: string | null };
}

export interface PressureResult {
  /** Free space before and after. */
  readonly before: FreeSpace;
  readonly after: FreeSpace;
  /** Checkpoints deleted, oldest first. */
  readonly removed: ReadonlyArray<{ readonly checkpointId: number; readonly jobId: number; readonly step: number; readonly bytes: number }>;
  /** Still under the floor: everything left is protected (or failed to go). */
  readonly stillUnder: boolean;
}

/** One pass; null when the mode is off. */
export async function relievePressure(deps: PressureDeps): Promise<PressureResult | null> {
  const floor = deps.minFree;
  if (!floor) return null;
  const before = await deps.freeSpace();
  let space = before;
  const removed: Array<{ checkpointId: number; jobId: number; step: number; bytes: number }> = [];
  if (underPressure(space, floor)) {
    for (const c of await deps.store.listLiveCheckpoints()) {
      const job = await deps.store.getJob(c.jobId);
      if (!job) continue;
      const live = await deps.store.listLiveCheckpoints(c.jobId);
      const protections = await gatherProtections(deps.store, { job, live }, deps.sources);
      // Not one that is protected, nor a file a protected one shares.
      if (live.some((o) => o.path === c.path && protections.has(o.id))) continue;
      const reason = `disk pressure: ${describePressure(space, floor)}`;
      const result = await removeCheckpoint(deps.store, deps.checkpointDir(c.jobId), c, reason, deps.now());
      if (!result.ok) {
        deps.log(`${reason}: checkpoint ${c.id} (job ${c.jobId}, step ${c.step}): ${result.error}`);
        continue;
      }
      deps.log(`${reason}: deleted checkpoint ${c.id} (job ${c.jobId}, step ${c.step}, ${result.note ?? formatBytes(result.bytes)})`);
      removed.push({ checkpointId: c.id, jobId: c.jobId, step: c.step, bytes: result.bytes });
      space = await deps.freeSpace();
      if (!underPressure(space, floor)) break;
    }
  }
  const stillUnder = underPressure(space, floor);
  const line = stillUnder ? `disk pressure: ${describePressure(space, floor)}; no unprotected checkpoint is left to delete` : null;
  if (line !== null && (removed.length > 0 || deps.state.lastLine === null)) deps.log(line);
  deps.state.lastLine = line;
  return { before, after: space, removed, stillUnder };
}

/** Free space of the filesystem holding `dir`, as an unprivileged process may use it. */
export function statfsFreeSpace(dir: string): () => Promise<FreeSpace> {
  return async () => {
    const s = await statfs(dir);
    return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
  };
}
