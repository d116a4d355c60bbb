/**
 * `trainyard backup`: a consistent copy of a data directory (docs/operations.md#backup).
 *
 * Pipeline: refuse a destination that is not new → `DEST.partial/` → the database through the
 * online backup API (`copyDatabase`: the server's own connection, or the file when no server
 * runs) → its facts (counts, registered checkpoints, dataset versions) → the files the rule in
 * backup-contents.ts keeps, copied after the database so that everything it names is there →
 * `manifest.json` → rename to `DEST`. A backup cut short stays `DEST.partial`, never `DEST`.
 */
import { chmod, copyFile, lstat, mkdir, readdir, realpath, rename, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { ValidationError } from '../core/errors.ts';
import { readDatabaseFacts } from '../store/sqlite/data-dir-db.ts';
import { whyLeftOut } from './backup-contents.ts';
import { type BackupManifest, DATABASE_FILE, MANIFEST_FILE, MANIFEST_FORMAT, type ManifestFile, sha256File, type SkippedFile } from './manifest.ts';

export interface BackupOptions {
  /** The data directory, absolute. */
  readonly dataDir: string;
  /** Where the backup goes, absolute: a new path or an empty directory. */
  readonly dest: string;
  /** Writes a consistent copy of the database to the given new file. */
  readonly copyDatabase: (to: string) => Promise<void>;
  readonly now: () => number;
  readonly version: string;
}

/** Makes the backup; returns its manifest. Throws ValidationError (field `dest`) for a used destination. */
export async function createBackup(options: BackupOptions): Promise<BackupManifest> {
  const { dataDir, dest } = options;
  const inside = relative(dataDir, dest);
  if (inside === '' || (!inside.startsWith('..') && !inside.startsWith(sep))) {
    throw new ValidationError(`${dest} lies inside the data directory ${dataDir}: expected a path outside it (the next backup would copy this one)`, 'dest');
  }
  await checkNewDestination(dest, 'dest');
  const partial = `${dest}.partial`;
  if (await exists(partial)) throw new ValidationError(`${partial} exists (a backup cut short?): remove it, then back up again`, 'dest');
  await mkdir(partial, { recursive: true, mode: 0o700 });
  const dbCopy = join(partial, DATABASE_FILE);
  await options.copyDatabase(dbCopy);
  const facts = readDatabaseFacts(dbCopy);
  const realRoot = await realpath(dataDir);
  const checkpointPaths: string[] = [];
  const externalCheckpoints: { id: number; path: string }[] = [];
  const missingCheckpoints: { id: number; path: string }[] = [];
  for (const c of facts.checkpoints) {
    const under = [realRoot, dataDir].map((root) => relative(root, c.path)).find((r) => r !== '' && !r.startsWith('..') && !r.startsWith(sep));
    if (under === undefined) externalCheckpoints.push({ id: c.id, path: c.path });
    else if (!(await exists(c.path))) missingCheckpoints.push({ id: c.id, path: c.path });
    else checkpointPaths.push(under.split(sep).join('/'));
  }
  const files: ManifestFile[] = [];
  const skipped: SkippedFile[] = [];
  for (const path of await listFiles(dataDir)) {
    const reason = whyLeftOut(path, { datasetContents: facts.datasetContents, checkpointPaths });
    if (reason !== null) {
      skipped.push({ path, reason });
      continue;
    }
    const from = join(dataDir, path);
    const to = join(partial, path);
    await mkdir(dirname(to), { recursive: true, mode: 0o700 });
    let mode: number;
    try {
      mode = (await stat(from)).mode & 0o777;
      await copyFile(from, to);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      skipped.push({ path, reason: 'removed during the backup' });
      continue;
    }
    await chmod(to, mode | 0o200);
    const copied = await stat(to);
    files.push({ path, bytes: copied.size, sha256: await sha256File(to), mode });
  }
  const dbStat = await stat(dbCopy);
  const manifest: BackupManifest = {
    format: MANIFEST_FORMAT,
    createdAt: options.now(),
    trainyardVersion: options.version,
    sourceDataDir: dataDir,
    sourceRealDataDir: realRoot,
    database: { path: DATABASE_FILE, bytes: dbStat.size, sha256: await sha256File(dbCopy), mode: 0o600, migrations: facts.migrations, counts: facts.counts },
    files,
    skipped,
    externalCheckpoints,
    missingCheckpoints,
    totals: { files: files.length + 1, bytes: dbStat.size + files.reduce((sum, f) => sum + f.bytes, 0) },
  };
  await writeFile(join(partial, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  if (await exists(dest)) await rmdir(dest); // empty, checked above
  await rename(partial, dest);
  return manifest;
}

/** Refuses a path that exists and is not an empty directory (ValidationError on `field`). */
export async function checkNewDestination(path: string, field: string): Promise<void> {
  let entries: string[];
  try {
    const info = await lstat(path);
    if (!info.isDirectory()) throw new ValidationError(`${path} exists and is not a directory: expected a new path or an empty directory`, field);
    entries = await readdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (entries.length > 0) throw new ValidationError(`${path} is not empty (${entries.length} entries, e.g. ${entries.sort()[0]}): expected a new path or an empty directory`, field);
}

/** Regular files under `root`, relative and `/`-separated, sorted; symlinks are not followed. */
export async function listFiles(root: string, under = ''): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(join(root, under), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw error;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = under === '' ? entry.name : `${under}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(root, path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
