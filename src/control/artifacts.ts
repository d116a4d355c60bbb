/**
 * Attaching a file a run wrote as an artifact (core/artifacts.ts): check where it comes from,
 * copy its bytes into the data directory, then record it (one store verb with its
 * `artifact.attached` event). The bytes come from a path the server reads (the line protocol,
 * the spool) or from a request body (`POST /api/v1/runs/:runId/artifacts`, the SDKs).
 *
 * Where the bytes go: `<data>/jobs/<job>/artifacts/<sha256>`, content-addressed inside the
 * job's own folder. Beside the job's other files, so that everything of a job lies in one
 * folder (jobs are not deleted today; when they are, the folder goes with them and no artifact
 * is left behind); named by content, so that attaching the same bytes again (each step, a
 * retry) stores them once, and a crash between the copy and the record leaves at worst a file
 * that the next attach of that content reuses.
 *
 * Paths the server reads (the safety rule, as checkpoints have theirs):
 * - relative paths are relative to the run's working directory (the job's `cwd`);
 * - after resolving `..` and symlinks, the file must lie inside the run's working directory or
 *   the job's folder of the data directory (`<data>/jobs/<job>/`, e.g. its checkpoint
 *   directory), and never elsewhere in the data directory (another job's files, the tokens);
 * - it must be a regular file (not a folder, FIFO or device) of at most ARTIFACT_MAX_BYTES,
 *   counted while copying too (a file that grows past it is refused).
 */
import { createHash, randomUUID } from 'node:crypto';
import { constants, existsSync, realpathSync } from 'node:fs';
import { chmod, mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import {
  ARTIFACT_MAX_BYTES,
  artifactMediaType,
  artifactRequest,
  isArtifactProblem,
  tooLargeMessage,
  type Artifact,
} from '../core/artifacts.ts';
import { NotFoundError, PayloadTooLargeError, ValidationError } from '../core/errors.ts';
import type { ArtifactStore, JobStore } from '../store/store.ts';
import { isInside } from './checkpoints.ts';

/** Where a job's artifact bytes live, and what bounds the paths a run may attach. */
export interface ArtifactFolders {
  /** The data directory. */
  readonly root: string;
  /** `<data>/jobs/<job>`: everything of one job. */
  readonly jobDir: (jobId: number) => string;
  /** `<data>/jobs/<job>/artifacts`. */
  readonly artifactDir: (jobId: number) => string;
}

/** What a run asked to attach; the name defaults to the path's base name. */
export interface AttachRequest {
  readonly name?: string;
  readonly kind?: string;
  readonly step?: number | null;
}

/** Where the bytes come from: a path the server reads, or the bytes themselves. */
export type ArtifactSource = { readonly path: string } | { readonly bytes: Buffer };

export interface AttachContext {
  readonly store: Pick<ArtifactStore, 'attachArtifact'> & Pick<JobStore, 'getJob'>;
  readonly folders: ArtifactFolders;
  readonly now: () => number;
}

/**
 * Copies and records one artifact.
 * @throws ValidationError (field `path`, `name`, `kind` or `step`, code `invalid_artifact`),
 *   PayloadTooLargeError over the cap, NotFoundError for an unknown job or run.
 */
export async function attachArtifact(
  ctx: AttachContext,
  run: { readonly runId: number; readonly jobId: number },
  request: AttachRequest,
  source: ArtifactSource,
): Promise<Artifact> {
  const job = await ctx.store.getJob(run.jobId);
  if (!job) throw new NotFoundError('job', run.jobId);
  const name = request.name ?? ('path' in source ? basename(source.path) : '');
  const checked = artifactRequest({ name, kind: request.kind, step: request.step });
  if (isArtifactProblem(checked)) throw new ValidationError(checked.message, checked.field, { code: 'invalid_artifact' });
  const dir = ctx.folders.artifactDir(run.jobId);
  const stored = 'path' in source
    ? await copyFile(dir, resolveArtifactPath(ctx.folders, run.jobId, job.spec.cwd, source.path), source.path)
    : await writeBytes(dir, source.bytes);
  const { artifact } = await ctx.store.attachArtifact({
    jobId: run.jobId,
    runId: run.runId,
    name: checked.name,
    kind: checked.kind,
    step: checked.step,
    mediaType: artifactMediaType(checked.name),
    bytes: stored.bytes,
    sha256: stored.sha256,
  }, ctx.now());
  return artifact;
}

/** The stored file of an artifact. */
export function artifactFile(folders: Pick<ArtifactFolders, 'artifactDir'>, artifact: Pick<Artifact, 'jobId' | 'sha256'>): string {
  return join(folders.artifactDir(artifact.jobId), artifact.sha256);
}

/**
 * Resolves a path a run gave and checks it against the rule above.
 * @returns the real path of the file.
 * @throws ValidationError (field `path`) naming the path and the reason.
 */
export function resolveArtifactPath(folders: Pick<ArtifactFolders, 'root' | 'jobDir'>, jobId: number, cwd: string, path: string): string {
  if (path.includes('\0')) throw invalidPath(path, 'contains a NUL byte');
  const candidate = isAbsolute(path) ? resolve(path) : resolve(cwd, path);
  if (!existsSync(candidate)) throw invalidPath(path, `does not exist (looked for ${candidate})`);
  const real = realpathSync(candidate);
  const workDir = realOrSelf(cwd);
  const jobDir = realOrSelf(folders.jobDir(jobId));
  const dataDir = realOrSelf(folders.root);
  const where = `the run's working directory ${cwd} or the job's folder ${folders.jobDir(jobId)}`;
  const inJobDir = isInside(jobDir, real);
  if (!inJobDir && (real === dataDir || isInside(dataDir, real))) {
    throw invalidPath(path, `resolves to ${real}, inside the data directory but outside the job's folder: only ${where} may be attached`);
  }
  if (!inJobDir && !isInside(workDir, real)) {
    throw invalidPath(path, `resolves to ${real}, outside the allowed folders: attach files inside ${where}`);
  }
  return real;
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

interface Stored {
  readonly sha256: string;
  readonly bytes: number;
}

/** Copies a checked file into `dir` under its sha256, reading at most the cap. */
async function copyFile(dir: string, real: string, given: string): Promise<Stored> {
  // O_NONBLOCK: opening a FIFO put in place of the file must not hang the server.
  const source = await open(real, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = await source.stat();
    if (!stat.isFile()) throw invalidPath(given, 'is not a regular file');
    if (stat.size > ARTIFACT_MAX_BYTES) throw tooLarge(given, stat.size);
    return await storeAtomically(dir, async (target, hash) => {
      const buffer = Buffer.allocUnsafe(1 << 20);
      let bytes = 0;
      for (;;) {
        const { bytesRead } = await source.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) return bytes;
        bytes += bytesRead;
        if (bytes > ARTIFACT_MAX_BYTES) throw tooLarge(given, bytes);
        hash.update(buffer.subarray(0, bytesRead));
        await target.write(buffer, 0, bytesRead);
      }
    });
  } finally {
    await source.close();
  }
}

async function writeBytes(dir: string, bytes: Buffer): Promise<Stored> {
  if (bytes.length > ARTIFACT_MAX_BYTES) throw new PayloadTooLargeError(`body ${tooLargeMessage(bytes.length)}`);
  return storeAtomically(dir, async (target, hash) => {
    hash.update(bytes);
    await target.write(bytes);
    return bytes.length;
  });
}

/** Writes a temporary file, flushes it, and renames it to its sha256 (read-only). */
async function storeAtomically(dir: string, write: (target: FileHandle, hash: ReturnType<typeof createHash>) => Promise<number>): Promise<Stored> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.incoming-${randomUUID()}`);
  const hash = createHash('sha256');
  const target = await open(tmp, 'wx', 0o644);
  try {
    const bytes = await write(target, hash);
    await target.sync();
    await target.close();
    const sha256 = hash.digest('hex');
    await chmod(tmp, 0o444);
    await rename(tmp, join(dir, sha256));
    return { sha256, bytes };
  } catch (error) {
    await target.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw error;
  }
}

function invalidPath(path: string, reason: string): ValidationError {
  return new ValidationError(`${path} ${reason}`, 'path', { code: 'invalid_artifact' });
}

function tooLarge(path: string, bytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`path: ${path} ${tooLargeMessage(bytes)}`);
}
