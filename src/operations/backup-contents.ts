/**
 * What belongs in a backup (docs/operations.md#what-a-backup-holds): a pure rule over a file's
 * path relative to the data directory and what the database says.
 *
 * Left out: the live database files (the database comes through the backup API instead), the
 * running server's files (`server.json`, `server.lock`, `server.log`), spools (folded into the
 * database already or replayed by the run), the executor's files of a run (pid, exit status:
 * a restored server must not adopt the source's processes; the run's `log` is kept), dataset
 * copies no version names and partial registrations, checkpoint files no record names, and
 * anything ending in `.partial`. Everything else is kept: registered checkpoints, dataset
 * copies, artifacts, run logs, `automations.yaml`, `inbox.yaml`, the inbox's folders,
 * `admin-token`, `deploy/` (keys file and targets' state) and files Trainyard does not know.
 */
import { DATABASE_FILE } from './manifest.ts';

export interface BackupFacts {
  /** The sha256 names of dataset content some version names. */
  readonly datasetContents: ReadonlySet<string>;
  /** Registered checkpoint paths, relative to the data directory, `/`-separated. */
  readonly checkpointPaths: readonly string[];
}

/** null: the file belongs in the backup; otherwise why not. */
export function whyLeftOut(path: string, facts: BackupFacts): string | null {
  const parts = path.split('/');
  if ([DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`, `${DATABASE_FILE}-journal`].includes(path)) return 'the live database (copied through the backup API)';
  if (path === 'server.json' || path === 'server.lock' || path === 'server.log') return 'the running server\'s file';
  if (parts.some((p) => p.endsWith('.partial'))) return 'an unfinished copy (.partial)';
  if (parts[0] === 'datasets' && parts.length > 1) {
    if (parts[1].startsWith('.incoming-')) return 'a dataset registration in progress';
    if (/^[0-9a-f]{64}$/.test(parts[1]) && !facts.datasetContents.has(parts[1])) return 'dataset content no version names (orphan)';
    return null;
  }
  if (parts[0] === 'jobs' && parts.length > 3) {
    if (parts[2] === 'spool') return 'a run\'s spool (its batches are in the database or replayed by the run)';
    if (parts[2] === 'runs' && parts.length > 4 && !parts[4].startsWith('log')) return 'the executor\'s file of a run (pid, exit status)';
    if (parts[2] === 'checkpoints' && !facts.checkpointPaths.some((c) => path === c || path.startsWith(`${c}/`))) return 'a checkpoint file no record names';
  }
  return null;
}
