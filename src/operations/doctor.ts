/**
 * `trainyard doctor`: checks a data directory and this machine's executors, and says for each
 * finding what to run to fix it (docs/operations.md#doctor). Reads only: the database is opened
 * read-only and never migrated.
 *
 * Checks: the directory, free space on its filesystem, the WAL's size, the lock file (a stale
 * one whose pid is dead), the schema against this code's migrations, dataset copies no version
 * names, checkpoint records whose files are gone and checkpoint files no record names (jobs
 * not running only), GPUs (nvidia-smi), Slurm.
 */
import { existsSync, readdirSync, readFileSync, statfsSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { floorBytes, type FreeSpaceFloor } from '../core/disk-pressure.ts';
import { createDataDirLayout } from '../control/data-dir.ts';
import type { GpuInfo } from '../executors/local/gpus.ts';
import { type DatabaseFacts, knownMigrations, readDatabaseFacts } from '../store/sqlite/data-dir-db.ts';

export type FindingStatus = 'ok' | 'warn' | 'fail';

export interface Finding {
  /** Which check: `data-dir`, `free-space`, `wal`, `lock`, `schema`, `orphan-datasets`, `missing-checkpoints`, `orphan-checkpoints`, `gpus`, `slurm`. */
  readonly check: string;
  readonly status: FindingStatus;
  readonly message: string;
  /** A command that fixes it; null when there is nothing to do. */
  readonly fix: string | null;
}

export interface DoctorOptions {
  readonly dataDir: string;
  /** Free space below this fails. Default: 1 GiB (TRAINYARD_GC_MIN_FREE when set, passed by the CLI). */
  readonly minFree?: FreeSpaceFloor;
  /** A WAL above this many bytes warns. Default: 1 GiB (the server's checkpointer keeps it far smaller). */
  readonly walWarnBytes?: number;
  readonly detectGpus: () => Promise<GpuInfo[]>;
}

const GiB = 2 ** 30;

/** Runs every check; the data directory's checks stop early when it does not exist. */
export async function runDoctor(options: DoctorOptions): Promise<Finding[]> {
  const findings: Finding[] = [];
  const layout = createDataDirLayout(options.dataDir);
  if (!existsSync(layout.root)) {
    findings.push({ check: 'data-dir', status: 'fail', message: `${layout.root} does not exist`, fix: `trainyard server --data-dir ${layout.root}   # creates it` });
  } else {
    findings.push({ check: 'data-dir', status: 'ok', message: layout.root, fix: null });
    findings.push(checkFreeSpace(layout.root, options.minFree ?? { bytes: GiB }));
    findings.push(checkWal(`${layout.database}-wal`, options.walWarnBytes ?? GiB));
    findings.push(checkLock(layout.lock));
    const facts = readFacts(layout.database, findings);
    if (facts) {
      findings.push(checkSchema(facts.migrations, layout.database));
      findings.push(checkOrphanDatasets(layout.datasetDir, facts));
      findings.push(...checkCheckpoints(layout.root, facts));
    }
  }
  const gpus = await options.detectGpus();
  findings.push(gpus.length === 0
    ? { check: 'gpus', status: 'ok', message: 'no GPU: CPU slots only (nvidia-smi absent or sees none)', fix: null }
    : { check: 'gpus', status: 'ok', message: `${gpus.length} GPU${gpus.length === 1 ? '' : 's'}: ${gpus.map((g) => `${g.index} ${g.name} (${g.memoryMiB} MiB)`).join(', ')}`, fix: null });
  findings.push({ check: 'slurm', status: 'ok', message: 'not configured (no Slurm executor in this version)', fix: null });
  return findings;
}

function checkFreeSpace(root: string, floor: FreeSpaceFloor): Finding {
  const fs = statfsSync(root);
  const free = fs.bavail * fs.bsize;
  const total = fs.blocks * fs.bsize;
  const need = floorBytes(floor, total);
  const text = `${formatBytes(free)} free of ${formatBytes(total)} (floor ${formatBytes(need)})`;
  return free < need
    ? { check: 'free-space', status: 'fail', message: text, fix: `trainyard gc --dry-run --data-dir ${root}   # then without --dry-run; or set a retention policy: trainyard gc policy set` }
    : { check: 'free-space', status: 'ok', message: text, fix: null };
}

function checkWal(path: string, warnBytes: number): Finding {
  const size = existsSync(path) ? statSync(path).size : 0;
  return size > warnBytes
    ? { check: 'wal', status: 'warn', message: `${path} is ${formatBytes(size)} (above ${formatBytes(warnBytes)}): a long reader keeps it from being checkpointed`, fix: `restart the server; with none running: sqlite3 ${path.slice(0, -4)} 'PRAGMA wal_checkpoint(TRUNCATE)'` }
    : { check: 'wal', status: 'ok', message: `WAL ${formatBytes(size)}`, fix: null };
}

function checkLock(path: string): Finding {
  if (!existsSync(path)) return { check: 'lock', status: 'ok', message: 'no server holds the directory', fix: null };
  const text = readFileSync(path, 'utf8').trim();
  const pid = Number(text);
  if (!Number.isInteger(pid) || pid <= 0) return { check: 'lock', status: 'fail', message: `${path} holds "${text}", not a pid`, fix: `rm ${path}` };
  if (processExists(pid)) return { check: 'lock', status: 'ok', message: `server pid ${pid} holds the directory`, fix: null };
  return { check: 'lock', status: 'warn', message: `stale lock: ${path} names pid ${pid}, which is not running (a server that was killed)`, fix: `rm ${path}   # a starting server also takes it over` };
}

function readFacts(database: string, findings: Finding[]): DatabaseFacts | null {
  if (!existsSync(database)) {
    findings.push({ check: 'schema', status: 'ok', message: `no database yet (${database}): the first server start creates it`, fix: null });
    return null;
  }
  try {
    return readDatabaseFacts(database);
  } catch (error) {
    findings.push({ check: 'schema', status: 'fail', message: `${database} cannot be read: ${(error as Error).message}`, fix: `trainyard restore <backup> <new data dir>` });
    return null;
  }
}

function checkSchema(applied: readonly string[], database: string): Finding {
  const known = new Set(knownMigrations());
  const unknown = applied.filter((m) => !known.has(m));
  const pending = [...known].filter((m) => !applied.includes(m));
  if (unknown.length > 0) return { check: 'schema', status: 'fail', message: `${database} has migrations this version does not know: ${unknown.join(', ')} (made by a newer Trainyard)`, fix: 'run the Trainyard version that wrote it, or restore a backup made with this one' };
  return { check: 'schema', status: 'ok', message: pending.length === 0 ? `schema current (${applied.length} migrations)` : `${pending.length} migration${pending.length === 1 ? '' : 's'} to apply at the next server start: ${pending.join(', ')}`, fix: null };
}

function checkOrphanDatasets(datasetDir: string, facts: DatabaseFacts): Finding {
  const orphans = existsSync(datasetDir) ? readdirSync(datasetDir).filter((n) => (/^[0-9a-f]{64}$/.test(n) && !facts.datasetContents.has(n)) || n.startsWith('.incoming-')).sort() : [];
  return orphans.length > 0
    ? { check: 'orphan-datasets', status: 'warn', message: `${orphans.length} dataset cop${orphans.length === 1 ? 'y' : 'ies'} no version names: ${orphans.map((n) => join(datasetDir, n)).join(', ')}`, fix: `rm -r ${orphans.map((n) => join(datasetDir, n)).join(' ')}   # a server start removes them too` }
    : { check: 'orphan-datasets', status: 'ok', message: `${facts.datasetContents.size} dataset copies, each named by a version`, fix: null };
}

function checkCheckpoints(root: string, facts: DatabaseFacts): Finding[] {
  const missing = facts.checkpoints.filter((c) => !existsSync(c.path));
  const findings: Finding[] = [missing.length > 0
    ? { check: 'missing-checkpoints', status: 'fail', message: `${missing.length} checkpoint record${missing.length === 1 ? '' : 's'} whose file is gone: ${missing.map((c) => `#${c.id} (job ${c.jobId}) ${c.path}`).join(', ')}`, fix: `put the files back from a backup (trainyard restore), or let retention drop the records: trainyard gc --job ${missing[0].jobId}` }
    : { check: 'missing-checkpoints', status: 'ok', message: `${facts.checkpoints.length} checkpoint records, each with its file`, fix: null }];
  const live = new Set(facts.liveJobIds);
  const registered = facts.checkpoints.map((c) => c.path);
  const orphans: string[] = [];
  const jobsDir = join(root, 'jobs');
  for (const job of existsSync(jobsDir) ? readdirSync(jobsDir) : []) {
    if (live.has(Number(job))) continue; // a running job writes files before it registers them
    const dir = join(jobsDir, job, 'checkpoints');
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (!registered.some((r) => r === path || r.startsWith(path + sep) || path.startsWith(r + sep))) orphans.push(path);
    }
  }
  orphans.sort();
  findings.push(orphans.length > 0
    ? { check: 'orphan-checkpoints', status: 'warn', message: `${orphans.length} checkpoint file${orphans.length === 1 ? '' : 's'} no record names: ${orphans.map((p) => relative(root, p)).join(', ')}`, fix: `rm -r ${orphans.join(' ')}` }
    : { check: 'orphan-checkpoints', status: 'ok', message: 'every checkpoint file has its record', fix: null });
  return findings;
}

/** Exit status of a doctor run: 1 when any finding is not ok. */
export function doctorExitCode(findings: readonly Finding[]): 0 | 1 {
  return findings.some((f) => f.status !== 'ok') ? 1 : 0;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

