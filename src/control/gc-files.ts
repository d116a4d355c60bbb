/**
 * Deleting one checkpoint's file, crash-safe: the file goes first, then the record is marked
 * deleted (with its `checkpoint.deleted` event and the reason). A crash between the two leaves a
 * live record without a file; the next collection finds the file gone and only marks it. A
 * missing file is not an error. Only a path inside the job's checkpoint directory is deleted.
 */
import { lstatSync, realpathSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Checkpoint } from '../core/types.ts';
import type { CheckpointStore } from '../store/store.ts';
import { isInside } from './checkpoints.ts';

export type FileRemoval =
  | { readonly ok: true; readonly bytes: number; readonly note: string | null }
  | { readonly ok: false; readonly error: string };

/** The note of a checkpoint whose file was gone before the collection deleted it. */
export const ALREADY_GONE = 'its file was already gone';

/** True when nothing is at `path` (a dangling symlink counts as something). */
export function fileMissing(path: string): boolean {
  try {
    lstatSync(path);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * Deletes `checkpoint`'s file (a folder: all of it) if it is still there, then marks the record
 * deleted with `reason`. Never throws for the file: a failure is returned and the record stays
 * live, so the next collection tries again.
 */
export async function removeCheckpoint(store: Pick<CheckpointStore, 'markCheckpointDeleted'>, checkpointDir: string, checkpoint: Checkpoint, reason: string, now: number): Promise<FileRemoval> {
  let bytes = 0;
  let note: string | null = ALREADY_GONE;
  if (!fileMissing(checkpoint.path)) {
    const problem = outsideProblem(checkpointDir, checkpoint);
    if (problem) return { ok: false, error: problem };
    try {
      rmSync(checkpoint.path, { recursive: true, force: true });
    } catch (error) {
      return { ok: false, error: `could not delete ${checkpoint.path}: ${(error as Error).message}` };
    }
    bytes = checkpoint.bytes;
    note = null;
  }
  await store.markCheckpointDeleted(checkpoint.id, now, reason);
  return { ok: true, bytes, note };
}

/** Why the file must not be deleted (it is not inside the checkpoint directory), or null. */
function outsideProblem(checkpointDir: string, checkpoint: Checkpoint): string | null {
  try {
    const root = realpathSync(checkpointDir);
    // The folder it lies in, resolved now: a symlink swapped in since registration does not lead out.
    const real = join(realpathSync(dirname(checkpoint.path)), basename(checkpoint.path));
    if (isInside(root, real)) return null;
  } catch {
    // The checkpoint directory is gone while the file is not: it lies elsewhere.
  }
  return `${checkpoint.path} is not inside job ${checkpoint.jobId}'s checkpoint directory ${resolve(checkpointDir)}: left alone`;
}
