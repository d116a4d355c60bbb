/**
 * `trainyard doctor`: checks a data directory and this machine's executors, and says for each
 * finding what to run to fix it (docs/operations.md#doctor). Reads only: the database is opened
 * read-only and never migrated.
 *
 * Checks: the directory, free space on its filesystem, the WAL's size, the lock file (a stale
 * one whose pid is dead), the schema against this code's migrations, dataset copies no version
 * names, checkpoint records whose files are gone and checkpoint files no record names (jobs
 * not running only), the event table's size and oldest event (retention), GPUs (nvidia-smi), Slurm.
 */
import { existsSync, readdirSync, readFileSync, statfsSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { floorBytes, type FreeSpaceFloor } from '../core/disk-pressure.ts';
import { DAY_MS, DEFAULT_RETENTION } from '../core/retention-events.ts';
import { createDataDirLayout } from '../control/data-dir.ts';
import { readLockOwner } from '../control/lock-file.ts';
import type { GpuInfo } from '../executors/local/gpus.ts';
import { type DatabaseFacts, knownMigrations, readDatabaseFacts } from '../store/sqlite/data-dir-db.ts';

export type FindingStatus = 'ok' | 'warn' | 'fail';

export interface Finding {
  /** Which check: `data-dir`, `free-space`, `wal`, `lock`, `schema`, `orphan-datasets`, `missing-checkpoints`, `orphan-checkpoints`, `events`, `gpus`, `slurm`. */
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
  /** The event age retention keeps (TRAINYARD_EVENT_RETENTION, passed by the CLI); null: off. Default: 30 days. */
  readonly eventMaxAgeMs?: number | null;
  /** Default: Date.now(). */
  readonly now?: number;
  readonly detectGpus: () => Promise<GpuInfo[]>;
  /**
   * When the server's executor is Slurm (TRAINYARD_EXECUTOR=slurm): asks slurmctld for its
   * queue and resolves with how many jobs it holds. Absent: Slurm is not configured.
   */
  readonly probeSlurm?: () => Promise<number>;
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
      findings.push(checkEvents(facts, options.eventMaxAgeMs === undefined ? DEFAULT_RETENTION.eventMaxAgeMs : options.eventMaxAgeMs, options.now ?? Date.now()));
    }
  }
  const gpus = await options.detectGpus();
  findings.push(gpus.length === 0
    ? { check: 'gpus', status: 'ok', message: 'no GPU: CPU slots only (nvidia-smi absent or sees none)', fix: null }
    : { check: 'gpus', status: 'ok', message: `${gpus.length} GPU${gpus.length === 1 ? '' : 's'}: ${gpus.map((g) => `${g.index} ${g.name} (${g.memoryMiB} MiB)`).join(', ')}`, fix: null });
  findings.push(await checkSlurm(options.probeSlurm));
  return findings;
}

async function checkSlurm(probe: DoctorOptions['probeSlurm']): Promise<Finding> {
  if (!probe) return { check: 'slurm', status: 'ok', message: 'not configured (TRAINYARD_EXECUTOR is not slurm)', fix: null };
  try {
    const jobs = await probe();
    return { check: 'slurm', status: 'ok', message: `slurmctld answers: ${jobs} job${jobs === 1 ? '' : 's'} in its queue`, fix: null };
  } catch (error) {
    return {
      check: 'slurm',
      status: 'fail',
      message: `slurmctld does not answer: ${(error as Error).message.split('\n')[0]}`,
      fix: 'check that slurmctld runs and that SLURM_CONF names its config (docs/slurm.md); `squeue` should print the queue',
    };
  }
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
  const owner = readLockOwner(path);
  if (owner === null) return { check: 'lock', status: 'ok', message: 'no server holds the directory', fix: null };
  if (owner.kind === 'malformed') return { check: 'lock', status: 'fail', message: `${path} holds "${owner.text}", not a pid`, fix: `rm ${path}` };
  const { pid } = owner;
  if (owner.alive) return { check: 'lock', status: 'ok', message: `server pid ${pid} holds the directory`, fix: null };
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

/**
 * The event table's size and oldest event. Warns when the oldest is older than the retention
 * age plus a day: retention waits for a subscriber that is behind (named), or no server ran it.
 */
function checkEvents(facts: DatabaseFacts, maxAgeMs: number | null, now: number): Finding {
  const rows = facts.counts.events;
  const oldest = facts.oldestEvent;
  const policy = maxAgeMs === null ? 'retention off (TRAINYARD_EVENT_RETENTION=off)' : `retention keeps ${formatAge(maxAgeMs)}`;
  if (oldest === null) return { check: 'events', status: 'ok', message: `no events; ${policy}`, fix: null };
  const age = now - oldest.at;
  const message = `${rows.toLocaleString('en-US')} event${rows === 1 ? '' : 's'}, the oldest #${oldest.id} from ${new Date(oldest.at).toISOString()} (${formatAge(Math.max(0, age))} ago); ${policy}`;
  if (maxAgeMs === null || age <= maxAgeMs + DAY_MS) return { check: 'events', status: 'ok', message, fix: null };
  const slowest = facts.slowestCursor;
  return slowest !== null && slowest.lastId < oldest.id
    ? { check: 'events', status: 'warn', message: `${message}: subscriber ${slowest.subscriber} has handled events up to #${slowest.lastId} only, and retention waits for it`, fix: `look for "event subscriber ${slowest.subscriber}" in the server's log (a failing handler is retried); a subscriber that no longer exists: sqlite3 <data>/trainyard.db "delete from event_cursors where subscriber = '${slowest.subscriber}'" with the server stopped` }
    : { check: 'events', status: 'warn', message: `${message}: no server has run retention for a while`, fix: 'start the server (it runs retention every TRAINYARD_RETENTION_INTERVAL, default 1h)' };
}

/** Exit status of a doctor run: 1 when any finding is not ok. */
export function doctorExitCode(findings: readonly Finding[]): 0 | 1 {
  return findings.some((f) => f.status !== 'ok') ? 1 : 0;
}

function formatAge(ms: number): string {
  if (ms >= DAY_MS) return `${Math.floor(ms / DAY_MS)} d`;
  if (ms >= 3_600_000) return `${Math.floor(ms / 3_600_000)} h`;
  if (ms >= 60_000) return `${Math.floor(ms / 60_000)} min`;
  return `${Math.floor(ms / 1000)} s`;
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

