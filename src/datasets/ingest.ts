/**
 * Taking content into the data directory, so that a registered version can never change:
 *
 *   list files → copy each into `<datasetDir>/.incoming-*` (a reflink where the filesystem can,
 *   else a full copy; never a hard link, which would share later in-place edits) → check the
 *   source did not change during the copy → sha256 of each copy → the content's hash (a file:
 *   its sha256; a folder: sha256 of its sorted `sha256  relative/path` lines) → rename to
 *   `<datasetDir>/<hash>/` (or drop the copy when that content is already stored) → read-only.
 *
 * A copy is complete or absent under `<hash>/`: the rename is atomic. What a server stopped in
 * the middle leaves (a `.incoming-*` copy, or content no version was recorded for) is removed at
 * its next start (leftovers.ts).
 */
import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConflictError } from '../core/errors.ts';
import { listDataFiles } from './read/folder.ts';
import { describeChange, identify } from './read/source.ts';

/** Names of copies under way; renamed to `<sha256>` once complete (leftovers.ts removes them). */
export const INCOMING_PREFIX = '.incoming-';

export interface Ingested {
  readonly sha256: string;
  /** Relative to `datasetDir`: `<sha256>/<file name>` for a file, `<sha256>` for a folder. */
  readonly path: string;
  readonly folder: boolean;
  readonly bytes: number;
  readonly files: number;
}

/** sha256 of a file's bytes, hex, streaming. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The hash of a folder from its files' hashes (sorted by path: the same on every machine). */
export function folderHash(files: ReadonlyArray<{ name: string; sha256: string }>): string {
  const lines = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((f) => `${f.sha256}  ${f.name}\n`);
  return createHash('sha256').update(lines.join('')).digest('hex');
}

export async function ingest(source: string, datasetDir: string): Promise<Ingested> {
  const { folder, files } = await listDataFiles(source);
  await mkdir(datasetDir, { recursive: true });
  const incoming = await mkdtemp(join(datasetDir, INCOMING_PREFIX));
  try {
    const hashed: Array<{ name: string; sha256: string }> = [];
    let bytes = 0;
    for (const file of files) {
      const target = join(incoming, file.name);
      await mkdir(dirname(target), { recursive: true });
      const before = await identify(file.path);
      await copyFile(file.path, target, constants.COPYFILE_FICLONE);
      const change = describeChange(before, await identify(file.path).catch(() => null));
      if (change) throw new ConflictError(`${file.path}: ${change.replace('while it was read', 'while it was being copied')}; register it again once it is complete`);
      bytes += (await stat(target)).size;
      hashed.push({ name: file.name, sha256: await sha256File(target) });
    }
    const sha256 = folder ? folderHash(hashed) : hashed[0].sha256;
    const stored = join(datasetDir, sha256);
    if (await exists(stored)) {
      await rm(incoming, { recursive: true, force: true });
    } else {
      for (const f of hashed) await chmod(join(incoming, f.name), 0o444);
      await rename(incoming, stored);
    }
    const path = folder ? sha256 : join(sha256, await storedFileName(stored, files[0].name));
    return { sha256, path, folder, bytes, files: files.length };
  } catch (error) {
    await rm(incoming, { recursive: true, force: true });
    throw error;
  }
}

/** The one file of a stored single-file content (registered first under whatever name). */
async function storedFileName(dir: string, preferred: string): Promise<string> {
  if (await exists(join(dir, preferred))) return preferred;
  const { files } = await listDataFiles(dir);
  return files[0]?.name ?? preferred;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
