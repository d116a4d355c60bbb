/**
 * The data files of a path: the file itself, or every regular file under a folder (recursively,
 * hidden names skipped), sorted by relative path so that a folder's hash and its reports are
 * the same on every machine.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { ValidationError } from '../../core/errors.ts';

/** Files one folder dataset may hold. */
export const MAX_FOLDER_FILES = 10_000;

export interface DataFile {
  readonly path: string;
  /** Relative to the folder (with `/`), or the file's base name. */
  readonly name: string;
}

/** A path that is missing or neither file nor folder. */
export class DatasetPathError extends ValidationError {
  constructor(readonly path: string, reason: string) {
    super(`${path}: ${reason}`, 'path', { code: 'invalid_path' });
  }
}

export async function listDataFiles(path: string): Promise<{ folder: boolean; files: DataFile[] }> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DatasetPathError(path, code === 'ENOENT' ? 'no such file or folder' : code === 'EACCES' ? 'permission denied' : String(error));
  }
  if (info.isFile()) return { folder: false, files: [{ path, name: basename(path) }] };
  if (!info.isDirectory()) throw new DatasetPathError(path, 'not a regular file or folder');
  const files: DataFile[] = [];
  await walk(path, path, files);
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { folder: true, files };
}

async function walk(root: string, dir: string, out: DataFile[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await stat(full).catch(() => null);
      isDir = target?.isDirectory() ?? false;
      isFile = target?.isFile() ?? false;
    }
    if (isDir) await walk(root, full, out);
    else if (isFile) {
      if (out.length >= MAX_FOLDER_FILES) throw new DatasetPathError(root, `more than ${MAX_FOLDER_FILES} files`);
      out.push({ path: full, name: relative(root, full).split(sep).join('/') });
    }
  }
}
