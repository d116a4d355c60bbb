/**
 * A backup's manifest (`manifest.json` at the backup's top): what was copied, with the size and
 * sha256 of every file, the database's row counts, and what was left out and why. A restore
 * verifies every file against it before it writes anything.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { DatabaseCounts } from '../store/sqlite/data-dir-db.ts';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'trainyard-backup/1';
/** The database's name inside a backup and a data directory. */
export const DATABASE_FILE = 'trainyard.db';

export interface ManifestFile {
  /** Relative to the backup's top (and the data directory's), `/`-separated. */
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  /** Permission bits (0o600 for the admin token). */
  readonly mode: number;
}

export interface SkippedFile {
  readonly path: string;
  readonly reason: string;
}

export interface BackupManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly createdAt: number;
  readonly trainyardVersion: string;
  /** The data directory backed up, as given and resolved (restore rewrites paths under them). */
  readonly sourceDataDir: string;
  readonly sourceRealDataDir: string;
  readonly database: ManifestFile & { readonly migrations: readonly string[]; readonly counts: DatabaseCounts };
  /** Every file copied besides the database, by path. */
  readonly files: readonly ManifestFile[];
  /** Files of the data directory left out, by path. */
  readonly skipped: readonly SkippedFile[];
  /** Checkpoint records whose file lies outside the data directory: not copied. */
  readonly externalCheckpoints: readonly { readonly id: number; readonly path: string }[];
  /** Checkpoint records whose file was gone at backup time. */
  readonly missingCheckpoints: readonly { readonly id: number; readonly path: string }[];
  readonly totals: { readonly files: number; readonly bytes: number };
}

/** The sha256 of a file, hex. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
