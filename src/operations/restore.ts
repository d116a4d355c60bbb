/**
 * `trainyard restore SRC DATA_DIR`: a backup into a new data directory
 * (docs/operations.md#restore).
 *
 * Pipeline: read `manifest.json` → verify every file (size and sha256; each mismatch named) →
 * refuse a target that is not new → copy into `DATA_DIR.partial/` → rewrite the database's
 * absolute paths from the source directory to the target → detach the runs in flight from the
 * source's processes → compare its counts with the manifest's → rename to `DATA_DIR`. Nothing is written before the backup verified.
 */
import { chmod, copyFile, lstat, mkdir, readFile, realpath, rename, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TrainyardError, ValidationError } from '../core/errors.ts';
import { type DatabaseCounts, detachLiveRuns, readDatabaseFacts, rebaseDataDirPaths } from '../store/sqlite/data-dir-db.ts';
import { checkNewDestination } from './backup.ts';
import { type BackupManifest, MANIFEST_FILE, MANIFEST_FORMAT, type ManifestFile, sha256File } from './manifest.ts';

/** A backup whose files do not match its manifest; `problems` names each file. */
export class BackupCorruptError extends TrainyardError {
  override readonly code = 'backup_corrupt';
  constructor(readonly source: string, readonly problems: readonly string[]) {
    super(`backup ${source} does not match its manifest (${problems.length} file${problems.length === 1 ? '' : 's'}): ${problems.join('; ')}`);
  }
}

export interface RestoreResult {
  readonly dataDir: string;
  readonly files: number;
  readonly bytes: number;
  readonly counts: DatabaseCounts;
  /** Database rows whose paths were moved from the source directory to this one. */
  readonly rebasedPaths: number;
  /** Runs in flight at backup time, detached from the source's processes (the restored server finds them lost). */
  readonly detachedRuns: number;
}

/** Reads and checks a backup's manifest; throws ValidationError (field `source`). */
export async function readManifest(source: string): Promise<BackupManifest> {
  const path = join(source, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ValidationError(`${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): expected a backup made by \`trainyard backup\``, 'source', { cause: error });
  }
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(text) as BackupManifest;
  } catch (error) {
    throw new ValidationError(`${path} is not JSON: ${(error as Error).message}`, 'source', { cause: error });
  }
  if (manifest?.format !== MANIFEST_FORMAT || !Array.isArray(manifest.files) || typeof manifest.database?.sha256 !== 'string') {
    throw new ValidationError(`${path}: expected format "${MANIFEST_FORMAT}", got ${JSON.stringify(manifest?.format ?? null)}`, 'source');
  }
  return manifest;
}

/** Checks every file of the backup against the manifest; returns one line per problem. */
export async function verifyBackup(source: string, manifest: BackupManifest): Promise<string[]> {
  const problems: string[] = [];
  for (const file of [manifest.database as ManifestFile, ...manifest.files]) {
    if (file.path.split('/').includes('..')) {
      problems.push(`${file.path}: a path outside the backup`);
      continue;
    }
    const path = join(source, file.path);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      problems.push(`${file.path}: missing`);
      continue;
    }
    const sha = await sha256File(path);
    if (size !== file.bytes || sha !== file.sha256) problems.push(`${file.path}: expected ${file.bytes} bytes with sha256 ${file.sha256.slice(0, 12)}…, found ${size} bytes with sha256 ${sha.slice(0, 12)}…`);
  }
  return problems;
}

export async function restoreBackup(source: string, dataDir: string): Promise<RestoreResult> {
  const manifest = await readManifest(source);
  const problems = await verifyBackup(source, manifest);
  if (problems.length > 0) throw new BackupCorruptError(source, problems);
  await checkNewDestination(dataDir, 'dataDir');
  const partial = `${dataDir}.partial`;
  if (await exists(partial)) throw new ValidationError(`${partial} exists (a restore cut short?): remove it, then restore again`, 'dataDir');
  await mkdir(partial, { recursive: true, mode: 0o700 });
  for (const file of [manifest.database as ManifestFile, ...manifest.files]) {
    const to = join(partial, file.path);
    await mkdir(dirname(to), { recursive: true, mode: 0o700 });
    await copyFile(join(source, file.path), to);
    await chmod(to, file.mode);
  }
  const finalDir = join(await realpath(dirname(dataDir)), basename(dataDir));
  const dbPath = join(partial, manifest.database.path);
  const rebasedPaths = rebaseDataDirPaths(dbPath, [manifest.sourceDataDir, manifest.sourceRealDataDir], finalDir);
  const detachedRuns = detachLiveRuns(dbPath);
  const counts = readDatabaseFacts(dbPath).counts;
  const differ = (Object.keys(manifest.database.counts) as (keyof DatabaseCounts)[]).filter((k) => counts[k] !== manifest.database.counts[k]);
  if (differ.length > 0) throw new BackupCorruptError(source, differ.map((k) => `${manifest.database.path}: ${k} expected ${manifest.database.counts[k]}, found ${counts[k]}`));
  if (await exists(dataDir)) await rmdir(dataDir); // empty, checked above
  await rename(partial, dataDir);
  return { dataDir, files: manifest.totals.files, bytes: manifest.totals.bytes, counts, rebasedPaths, detachedRuns };
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
