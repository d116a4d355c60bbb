/**
 * Registering a checkpoint file a run wrote. A checkpoint must lie inside its job's checkpoint
 * directory (after resolving `..` and symlinks): retention (gc.ts) deletes only files there.
 */
import { existsSync, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { ValidationError } from '../core/errors.ts';
import type { Checkpoint } from '../core/types.ts';
import type { CheckpointStore } from '../store/store.ts';

export interface CheckpointFile {
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
  if (!isInside(root, candidate) && !isInside(resolve(checkpointDir), candidate)) {
    throw invalid(`must be inside the checkpoint directory ${checkpointDir}`);
  }
  if (!existsSync(candidate)) throw invalid(`${path} does not exist (write the file before registering it)`);
  const real = realpathSync(candidate);
  if (!isInside(root, real)) throw invalid('resolves (through a symlink) outside the checkpoint directory');
  // A FIFO, socket or device would block or never end whoever reads it next (evaluation, backup, deploy).
  const stat = statSync(real);
  if (!stat.isFile() && !stat.isDirectory()) throw invalid(`${path} is not a regular file or a folder`);
  return real;
}

/**
 * Records the file (idempotent on job, path and step). Retention runs after it, in the
 * collector (gc.ts), so that one place deletes files.
 */
export async function registerCheckpointFile(store: Pick<CheckpointStore, 'registerCheckpoint'>, checkpointDir: string, request: CheckpointFile, now: number): Promise<Checkpoint> {
  if (!Number.isFinite(request.step)) throw new ValidationError('must be a finite number', 'step');
  const path = resolveCheckpointPath(checkpointDir, request.path);
  return store.registerCheckpoint({
    jobId: request.jobId,
    runId: request.runId,
    step: request.step,
    path,
    bytes: sizeOf(path),
    metrics: request.metrics,
    createdAt: now,
  });
}

/** True when `path` lies strictly inside the directory `root`. */
export function isInside(root: string, path: string): boolean {
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
