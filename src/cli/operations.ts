/**
 * `trainyard backup`, `trainyard restore` and `trainyard doctor` (docs/operations.md). A backup
 * of a directory whose server runs is taken by that server (`POST /api/v1/admin/backup`, through
 * its own database connection); with no server, here from the files. Restore and doctor work on
 * the files only. The operations layer loads only when one of these runs (CLI start-up stays lazy).
 */
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readGcEnv, readRetentionEnv, readServerEnv } from '../config.ts';
import type { BackupSummary } from '../core/api/operations.ts';
import { TrainyardError } from '../core/errors.ts';
import { action, type CliContext, type CommonOptions, createCommand } from './command.ts';
import { connect, findLocalServer, resolveDataDir } from './connect.ts';
import { CliError, EXIT, type Io, printJson } from './io.ts';

/** Recorded in the manifest. */
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function backupCommand(ctx: CliContext): Command {
  return createCommand('backup')
    .summary('copy a data directory consistently, with a manifest (while its server runs, or not)')
    .description(
      'Back up the data directory to DEST, a new path or an empty directory: the database through SQLite\'s online ' +
        'backup API (consistent while the server runs and runs write metrics), then registered checkpoints, dataset ' +
        'copies, artifacts, run logs, automations.yaml, inbox.yaml, the inbox, the admin token and deploy/, with ' +
        'manifest.json (size and sha256 of each file, row counts, what was left out and why). It is written to ' +
        'DEST.partial and renamed to DEST only when complete. When the directory\'s server runs, the server takes the ' +
        'backup (DEST is a path on its machine); otherwise this command reads the files. See docs/operations.md.',
    )
    .argument('<dest>', 'where the backup goes (must not exist, or be an empty directory)')
    .action(action(ctx, (dest: string, options: CommonOptions) => runBackup(ctx.io, resolve(ctx.io.cwd, dest), options)));
}

export function restoreCommand(ctx: CliContext): Command {
  return createCommand('restore', { dataDir: false })
    .summary('restore a backup into a new data directory, verifying every file first')
    .description(
      'Restore the backup SRC (made by `trainyard backup`) into DATA_DIR, which must not exist or be empty. Every ' +
        'file is checked against manifest.json (size and sha256) before anything is written; a file that does not ' +
        'match is named. Paths the database holds (checkpoints, run logs) are moved to DATA_DIR. Then start a server ' +
        'on it: trainyard server --data-dir DATA_DIR.',
    )
    .argument('<src>', 'the backup directory')
    .argument('<data-dir>', 'the new data directory')
    .action(action(ctx, async (src: string, dataDir: string, options: CommonOptions) => {
      const { restoreBackup } = await import('../operations/restore.ts');
      const result = await local(() => restoreBackup(resolve(ctx.io.cwd, src), resolve(ctx.io.cwd, dataDir)));
      if (options.json) printJson(ctx.io, result);
      else {
        const c = result.counts;
        ctx.io.stdout.write(`restored ${result.files} files (${result.bytes} bytes) into ${result.dataDir}: ${c.jobs} jobs, ${c.runs} runs, ${c.events} events, ${c.checkpoints} checkpoints, ${c.datasetVersions} dataset versions, ${c.metricSeries} metric series\n` +
          `start it with: trainyard server --data-dir ${result.dataDir}\n`);
      }
      return EXIT.ok;
    }));
}

export function doctorCommand(ctx: CliContext): Command {
  return createCommand('doctor')
    .summary('check a data directory and this machine\'s executors; print each problem with its fix')
    .description(
      'Check the data directory (free space on its filesystem against TRAINYARD_GC_MIN_FREE or 1 GiB, WAL size, a ' +
        'stale lock file whose pid is dead, the schema against this version\'s migrations, dataset copies no version ' +
        'names, checkpoint records whose file is gone, checkpoint files no record names, the event table\'s size and ' +
        'oldest event against TRAINYARD_EVENT_RETENTION) and the executors (GPUs ' +
        'seen by nvidia-smi, Slurm). Reads only; works with or without a server. Exit code 1 when anything is wrong.',
    )
    .option('--data <dir>', 'the data directory (same as --data-dir)')
    .action(action(ctx, async (options: CommonOptions & { data?: string }) => {
      const dataDir = resolveDataDir(ctx.io, options.data ?? options.dataDir);
      const [{ runDoctor, doctorExitCode }, { detectGpus }] = await Promise.all([import('../operations/doctor.ts'), import('../executors/local/gpus.ts')]);
      const minFree = readGcEnv(ctx.io.env).minFree ?? undefined;
      const { eventMaxAgeMs } = readRetentionEnv(ctx.io.env);
      const probeSlurm = readServerEnv(ctx.io.env).executor === 'slurm'
        ? async () => {
            const { createSlurmCli } = await import('../executors/slurm/slurm-cli.ts');
            return (await createSlurmCli({ env: ctx.io.env, timeoutMs: 10_000 }).squeue()).length;
          }
        : undefined;
      const findings = await local(() => runDoctor({ dataDir, minFree, eventMaxAgeMs, detectGpus, probeSlurm }));
      const exitCode = doctorExitCode(findings);
      if (options.json) printJson(ctx.io, { ok: exitCode === 0, dataDir, findings });
      else {
        const mark = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;
        for (const f of findings) {
          ctx.io.stdout.write(`${mark[f.status]} ${f.check}: ${f.message}\n`);
          if (f.fix) ctx.io.stdout.write(`     fix: ${f.fix}\n`);
        }
        ctx.io.stdout.write(exitCode === 0 ? 'no problems found\n' : `${findings.filter((f) => f.status !== 'ok').length} problem(s) found\n`);
      }
      return exitCode;
    }));
}

async function runBackup(io: Io, dest: string, options: CommonOptions): Promise<number> {
  const dataDir = resolveDataDir(io, options.dataDir);
  const remote = options.dataDir === undefined && Boolean(io.env.TRAINYARD_URL);
  let summary: BackupSummary;
  let by: string;
  if (remote || findLocalServer(dataDir)) {
    summary = await connect(io, options).backup({ dest });
    by = 'the server';
  } else {
    const database = join(dataDir, 'trainyard.db');
    if (!existsSync(database)) throw new CliError(`${dataDir} holds no Trainyard database (${database} is missing): nothing to back up`, EXIT.failure, { code: 'not_found' });
    const [{ createBackup }, { backupDatabaseFile }] = await Promise.all([import('../operations/backup.ts'), import('../store/sqlite/data-dir-db.ts')]);
    const manifest = await local(() => createBackup({ dataDir, dest, copyDatabase: (to) => backupDatabaseFile(database, to), now: io.now, version: VERSION }));
    summary = {
      dest, createdAt: manifest.createdAt, files: manifest.totals.files, bytes: manifest.totals.bytes, counts: manifest.database.counts,
      skipped: manifest.skipped.length, externalCheckpoints: manifest.externalCheckpoints.length, missingCheckpoints: manifest.missingCheckpoints.length,
    };
    by = 'this command (no server running)';
  }
  if (options.json) printJson(io, summary);
  else {
    const c = summary.counts;
    io.stdout.write(`backup written to ${summary.dest} by ${by}: ${summary.files} files, ${summary.bytes} bytes; ${c.jobs} jobs, ${c.events} events, ${c.checkpoints} checkpoints, ${c.datasetVersions} dataset versions, ${c.metricSeries} metric series\n`);
    if (summary.skipped > 0) io.stdout.write(`${summary.skipped} files left out (manifest.json lists them with the reason)\n`);
    if (summary.externalCheckpoints > 0) io.stdout.write(`${summary.externalCheckpoints} checkpoint files lie outside the data directory and were not copied\n`);
    if (summary.missingCheckpoints > 0) io.stdout.write(`${summary.missingCheckpoints} checkpoint records had no file (see trainyard doctor)\n`);
  }
  return EXIT.ok;
}

/** Runs local work, reporting the domain's typed errors as one line (not as a bug's stack). */
async function local<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TrainyardError) throw new CliError(error.message, EXIT.failure, { code: error.code, cause: error });
    throw error;
  }
}
