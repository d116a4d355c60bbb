/**
 * Checkpoint files on disk: where a name lands in the checkpoint directory, and writing one
 * under a temporary name that is renamed only once it is complete.
 */
import { randomBytes } from 'node:crypto';
import { constants, realpathSync, statSync } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CheckpointNotFoundError, CheckpointPathError } from './errors.ts';

/**
 * The absolute path of `name` (relative to `checkpointDir`, or absolute inside it).
 * @throws CheckpointPathError when it is empty or leaves the directory.
 */
export function resolveCheckpointPath(checkpointDir: string, name: string): string {
  if (name === '') throw new CheckpointPathError(name, checkpointDir, 'is empty');
  const path = resolve(checkpointDir, name);
  if (!isInside(checkpointDir, path)) {
    throw new CheckpointPathError(name, checkpointDir, 'is not inside the checkpoint directory');
  }
  return path;
}

/** `path` relative to `checkpointDir` with `/` separators, as the API takes it. */
export function relativeCheckpointPath(checkpointDir: string, path: string): string {
  return relative(checkpointDir, path).split(sep).join('/');
}

/**
 * Checks that an existing checkpoint is inside the directory once symbolic links are resolved.
 * Synchronous (two `stat`-sized calls), so that `Run.checkpoint()` can throw at once and
 * return without waiting.
 * @throws CheckpointNotFoundError when the file does not exist.
 * @throws CheckpointPathError when a link leads outside the directory.
 * @returns its size in bytes (of the link target; 0 for a directory).
 */
export function checkExistingCheckpoint(checkpointDir: string, name: string, path: string): number {
  let info;
  try {
    info = statSync(path);
  } catch (error) {
    throw new CheckpointNotFoundError(path, { cause: error });
  }
  if (!isInside(realpathSync(checkpointDir), realpathSync(path))) {
    throw new CheckpointPathError(name, checkpointDir, 'leads outside the checkpoint directory through a link');
  }
  return info.isFile() ? info.size : 0;
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * Calls `write(tmp)` with a temporary path beside `final`, then flushes it to disk (`fsync`)
 * and renames it to `final`; on failure removes the temporary file (or directory) and rethrows.
 * The temporary name keeps the extension (`.step-100.tmp-1234-ab12cd.pt`), for writers that
 * add one when it is missing.
 * @throws CheckpointNotFoundError when `write` resolved without creating `tmp`.
 */
export async function writeAtomically(
  final: string,
  write: (tmp: string) => Promise<void>,
  options: { readonly fsync: boolean },
): Promise<void> {
  const directory = dirname(final);
  await mkdir(directory, { recursive: true });
  const ext = extname(final);
  const tmp = join(directory, `.${basename(final, ext)}.tmp-${process.pid}-${randomBytes(3).toString('hex')}${ext}`);
  try {
    await write(tmp);
    const info = await lstat(tmp).catch(() => null);
    if (info === null) throw new CheckpointNotFoundError(tmp);
    if (options.fsync) await fsyncTree(tmp);
    const existing = await lstat(final).catch(() => null);
    if (info.isDirectory() && existing?.isDirectory()) {
      const trash = `${tmp}.old`;
      await rename(final, trash);
      await rename(tmp, final);
      await rm(trash, { recursive: true, force: true });
    } else {
      await rename(tmp, final);
    }
    if (options.fsync) await fsyncPath(directory);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}

async function fsyncTree(path: string): Promise<void> {
  const info = await lstat(path);
  if (info.isDirectory()) {
    for (const entry of await readdir(path)) await fsyncTree(join(path, entry));
  }
  if (info.isFile() || info.isDirectory()) await fsyncPath(path);
}

async function fsyncPath(path: string): Promise<void> {
  try {
    const handle = await open(path, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic there.
  }
}
