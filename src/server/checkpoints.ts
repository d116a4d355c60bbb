/**
 * Registering a checkpoint file a run wrote, and retention. A checkpoint must lie inside its
 * job's checkpoint directory (after resolving `..` and symlinks); retention deletes only files
 * there, and only registered checkpoints older than the newest `keep`.
 */
import { existsSync, lstatSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { ValidationError } from '../core/errors.ts';
import type { Checkpoint } from '../core/types.ts';
import type { CheckpointStore } from '../store/store.ts';

export interface CheckpointRequest {
  readonly jobId: number;
  readonly runId: number;
  /** Relative to the checkpoint directory, or absolute inside it. */
  readonly path: string;
  readonly step: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/** Resolves and checks the path; throws ValidationError (field `path`) when it is refused. */
export function resolveCheckpointPath(checkpointDir: string, path: string): string {
  if (path.includes('\0')) throw invalid('contains a NUL byte');
  const root = realpathSync(checkpointDir);
  const candidate = isAbsolute(path) ? resolve(path) : resolve(root, path);
  if (!inside(root, candidate) && !inside(resolve(checkpointDir), candidate)) {
    throw invalid(`must be inside the checkpoint directory ${checkpointDir}`);
  }
  if (!existsSync(candidate)) throw invalid(`${path} does not exist (write the file before registering it)`);
  const real = realpathSync(candidate);
  if (!inside(root, real)) throw invalid('resolves (through a symlink) outside the checkpoint directory');
  return real;
}

export async function registerCheckpointFile(
  store: CheckpointStore,
  checkpointDir: string,
  request: CheckpointRequest,
  keep: number,
  now: number,
): Promise<{ checkpoint: Checkpoint; deleted: Checkpoint[] }> {
  if (!Number.isFinite(request.step)) throw new ValidationError('must be a finite number', 'step');
  const path = resolveCheckpointPath(checkpointDir, request.path);
  const checkpoint = await store.registerCheckpoint({
    jobId: request.jobId,
    runId: request.runId,
    step: request.step,
    path,
    bytes: sizeOf(path),
    metrics: request.metrics,
    createdAt: now,
  });
  const deleted = keep > 0 ? await applyRetention(store, checkpointDir, request.jobId, keep) : [];
  return { checkpoint, deleted };
}

/** Deletes the files of registered checkpoints beyond the newest `keep` (by step). */
async function applyRetention(store: CheckpointStore, checkpointDir: string, jobId: number, keep: number): Promise<Checkpoint[]> {
  const live = (await store.listCheckpoints(jobId)).filter((c) => !c.deleted);
  live.sort((a, b) => b.step - a.step || b.createdAt - a.createdAt || b.id - a.id);
  const root = realpathSync(checkpointDir);
  const doomed = live.slice(keep).filter((c) => !live.slice(0, keep).some((k) => k.path === c.path));
  for (const c of doomed) {
    if (inside(root, c.path)) rmSync(c.path, { recursive: true, force: true });
    await store.markCheckpointDeleted(c.id);
  }
  return doomed;
}

function inside(root: string, path: string): boolean {
  return path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Bytes of a file, or of every file under a directory (Hugging Face checkpoints are folders). */
function sizeOf(path: string): number {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

function invalid(message: string): ValidationError {
  return new ValidationError(message, 'path', { code: 'invalid_checkpoint' });
}

