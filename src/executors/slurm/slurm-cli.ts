/**
 * The slice of Slurm's command-line tools the Slurm executor uses: `sbatch`, `squeue --json`,
 * `scancel`, `sacct`. Each call is one process; nothing here keeps state. The tools find the
 * cluster as they always do (`SLURM_CONF`, else /etc/slurm/slurm.conf) from the environment
 * given at creation.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { TrainyardError } from '../../core/errors.ts';
import { baseState, decodeWaitStatus, parseSacctExitCode, type SlurmJobRecord } from './slurm-states.ts';

export interface SlurmCli {
  /** Submits a batch job; resolves with its id. `env` is the job's environment (`--export=ALL`). */
  sbatch(args: readonly string[], env: Readonly<Record<string, string>>): Promise<string>;
  /** Every job slurmctld still holds (queued, running, and ended within `MinJobAge`), in one call. */
  squeue(): Promise<SlurmJobRecord[]>;
  /** `scancel [--signal=SIG --full] ID`: the signal to every process of the job, or the job cancelled. */
  scancel(id: string, signal?: 'TERM' | 'KILL'): Promise<void>;
  /** Finished jobs from accounting (or the job completion log), by ids or by name, in one call. */
  sacct(query: { readonly ids?: readonly string[]; readonly name?: string }): Promise<SlurmJobRecord[]>;
}

/** A Slurm command failed (not found, or exited non-zero). */
export class SlurmCommandError extends TrainyardError {
  override readonly code = 'slurm_command_failed';
  constructor(readonly command: string, readonly stderr: string, options?: { cause?: unknown }) {
    super(`${command} failed: ${stderr.trim() || String((options?.cause as Error | undefined)?.message ?? 'no output')}`, options);
  }
}

export interface SlurmCliOptions {
  /** Where the tools are found (PATH) and the cluster is named (SLURM_CONF). Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Longest a call may take. Default: 60 s (slurmctld answers slowly when busy). */
  readonly timeoutMs?: number;
}

export function createSlurmCli(options: SlurmCliOptions = {}): SlurmCli {
  const env = Object.fromEntries(Object.entries(options.env ?? process.env).filter((e): e is [string, string] => e[1] !== undefined));
  const timeout = options.timeoutMs ?? 60_000;
  /** The cluster's location travels to every call, the job's environment included. */
  const slurmEnv = Object.fromEntries(Object.entries(env).filter(([k]) => k === 'SLURM_CONF'));
  /** sacct without accounting storage: read the job completion log instead (`--completion`). */
  let completionLog = false;

  const run = (tool: string, args: readonly string[], runEnv: Record<string, string> = env) =>
    new Promise<string>((resolve, reject) => {
      execFile(which(tool, env.PATH), [...args], { env: runEnv, timeout, maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new SlurmCommandError(`${tool} ${args.slice(0, 3).join(' ')}`, stderr, { cause: error }));
        else resolve(stdout);
      });
    });

  const sacctOnce = async (args: readonly string[]) => {
    try {
      return await run('sacct', completionLog ? ['--completion', ...args] : args);
    } catch (error) {
      if (completionLog || !/accounting storage is disabled/i.test((error as SlurmCommandError).stderr ?? '')) throw error;
      completionLog = true;
      return run('sacct', ['--completion', ...args]);
    }
  };

  return {
    async sbatch(args, jobEnv) {
      const out = await run('sbatch', ['--parsable', ...args], { ...jobEnv, ...slurmEnv });
      // `--parsable` prints `ID` or `ID;CLUSTER`.
      const id = out.trim().split(';')[0];
      if (!/^\d+$/.test(id)) throw new SlurmCommandError('sbatch', `printed ${JSON.stringify(out.trim())}, not a job id`);
      return id;
    },

    async squeue() {
      // 22.05's --json ignores squeue's filters: one listing of everything, filtered by the caller.
      const parsed = JSON.parse(await run('squeue', ['--json'])) as { jobs?: unknown[] };
      return (parsed.jobs ?? []).map((job) => fromSqueue(job as Record<string, unknown>));
    },

    async scancel(id, signal) {
      await run('scancel', signal ? [`--signal=${signal}`, '--full', id] : [id]);
    },

    async sacct(query) {
      const args = ['--noheader', '--parsable2', '--allocations', '--format=JobID,JobName,State,ExitCode'];
      if (query.ids) {
        if (query.ids.length === 0) return [];
        args.push(`--jobs=${query.ids.join(',')}`);
      }
      if (query.name !== undefined) args.push(`--name=${query.name}`, '--starttime=now-7days');
      const records = (await sacctOnce(args)).split('\n').flatMap((line) => fromSacct(line));
      // The completion log ignores --name; filter here either way.
      return records.filter((r) => (query.name === undefined || r.name === query.name) && (!query.ids || query.ids.includes(r.id)));
    },
  };
}

/** A job of squeue's JSON (22.05: plain values; later versions wrap numbers and list states). */
function fromSqueue(job: Record<string, unknown>): SlurmJobRecord {
  const reason = typeof job.state_reason === 'string' && job.state_reason !== 'None' ? job.state_reason : null;
  return {
    id: String(job.job_id),
    name: String(job.name ?? ''),
    state: baseState(job.job_state),
    reason,
    exit: exitOf(job.exit_code),
    comment: typeof job.comment === 'string' ? job.comment : null,
  };
}

function exitOf(value: unknown): SlurmJobRecord['exit'] {
  if (typeof value === 'number') return decodeWaitStatus(value);
  if (value && typeof value === 'object') {
    // 23.02+: {status, return_code: {number}, signal: {id: {number}}}.
    const v = value as { return_code?: unknown; signal?: { id?: unknown } };
    const n = (x: unknown) => (typeof x === 'number' ? x : x && typeof x === 'object' && typeof (x as { number?: unknown }).number === 'number' ? (x as { number: number }).number : 0);
    const signal = n(v.signal?.id);
    return decodeWaitStatus(signal !== 0 ? signal : n(v.return_code) << 8);
  }
  return null;
}

/** One line of `sacct --parsable2` with JobID|JobName|State|ExitCode; steps (`12.batch`) dropped. */
function fromSacct(line: string): SlurmJobRecord[] {
  const [id, name, state, exitCode] = line.split('|');
  if (!id || !/^\d+$/.test(id) || state === undefined) return [];
  return [{ id, name: name ?? '', state: baseState(state), reason: null, exit: parseSacctExitCode(exitCode ?? ''), comment: null }];
}

/** `tool`'s path on PATH (so the job's own PATH does not decide which sbatch runs); the bare name when not found. */
function which(tool: string, path: string | undefined): string {
  for (const dir of (path ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    if (!dir) continue;
    const candidate = join(dir, tool);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return tool;
}
