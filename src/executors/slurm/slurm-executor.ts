/**
 * The Slurm executor: each run is one Slurm batch job (`sbatch`), placed by Slurm. Its handle is
 * the job id. The job runs `slurm-job.sh`, which execs the run's argv verbatim in its cwd with
 * the run's environment (`--export=ALL` from sbatch's own), its stdout and stderr appended to
 * the run's log, which the server reads (a shared filesystem on a cluster).
 *
 * State comes from one `squeue --json` per interval for all runs (slurm-watch.ts), `sacct` for
 * jobs squeue forgot. SIGTERM is `scancel --signal=TERM --full` (every process of the job, the
 * batch shell too), or a plain cancel while the job's script has not started (its first act is
 * to write `<runDir>/started`); SIGKILL is `scancel --signal=KILL --full`, which Slurm carries
 * out as a cancel (SIGTERM, then SIGKILL after its `KillWait`). How a job ended, and what Slurm's states mean
 * for the attempt, is slurm-states.ts. A restarted server adopts jobs by id; a job whose id was
 * never recorded is found by its name and run directory (`--job-name`, `--comment`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SlurmSpec } from '../../core/slurm-options.ts';
import type { AdoptResult, Capacity, Executor, ExecutorRunState, ExitReport, RunHandle, RunningProcess, RunRef, StartRequest } from '../executor.ts';
import { jobEnv, sbatchArgs } from './sbatch-args.ts';
import { createSlurmCli, type SlurmCli } from './slurm-cli.ts';
import { slurmExitReport, slurmPhase, type SlurmJobRecord } from './slurm-states.ts';
import { createSlurmWatch } from './slurm-watch.ts';

export const SLURM_EXECUTOR = 'slurm';

const SCRIPT = fileURLToPath(new URL('./slurm-job.sh', import.meta.url));
/** What the batch script writes into the run directory first thing (slurm-job.sh). */
const STARTED_FILE = 'started';

export interface SlurmExecutorOptions {
  /** The Slurm tools. Default: the ones on PATH, for the cluster SLURM_CONF names (slurm-cli.ts). */
  readonly cli?: SlurmCli;
  /** Options every run gets unless its job's `slurm:` block says otherwise (TRAINYARD_SLURM_*). */
  readonly defaults?: SlurmSpec;
  /** How often squeue is asked about all runs. Default: 2000 ms (one call, whatever the number of runs). */
  readonly pollMs?: number;
  /**
   * How many GPUs Trainyard may have asked Slurm for at once (TRAINYARD_GPUS as a list of that
   * length): the scheduler's GPU slots, not devices; Slurm picks the devices. Default: 64.
   */
  readonly gpus?: readonly number[] | null;
  /** How many CPU-only runs Trainyard may have submitted at once (TRAINYARD_CPU_SLOTS). Default: 256. */
  readonly cpuSlots?: number | null;
}

export function createSlurmExecutor(options: SlurmExecutorOptions = {}): Executor {
  const cli = options.cli ?? createSlurmCli();
  const defaults = options.defaults ?? {};
  const watch = createSlurmWatch(cli, options.pollMs ?? 2000);
  /** Signals this instance sent, by job id: a job Trainyard cancelled was not cancelled "outside". */
  const sent = new Map<string, 'SIGTERM' | 'SIGKILL'>();
  /** Run directories by job id, of the runs this instance started or adopted. */
  const runDirs = new Map<string, string>();

  const exitOf = (record: SlurmJobRecord | null, id: string): ExitReport =>
    record === null
      ? { exitCode: null, signal: null, oomKilled: false, outcome: { kind: 'lost', detail: `Slurm no longer knows job ${id}`, retryable: true } }
      : slurmExitReport(record, sent.get(id) ?? null);

  const follow = (id: string): Promise<ExitReport> =>
    watch.ended(id).then(async (record) => {
      // A requeued job would run again in Slurm: Trainyard runs it again itself, resumed.
      if (record?.state === 'REQUEUED') await cli.scancel(id).catch(() => {});
      return exitOf(record, id);
    });

  const running = (id: string): RunningProcess => ({ handle: { executor: SLURM_EXECUTOR, externalId: id }, exited: follow(id) });

  return {
    name: SLURM_EXECUTOR,

    async capacity(): Promise<Capacity> {
      return { gpus: [...(options.gpus ?? Array.from({ length: 64 }, (_, i) => i))], cpuSlots: options.cpuSlots ?? 256 };
    },

    /** The run goes on a node the server does not see: nothing to check here; it fails there. */
    async preflight(): Promise<string | null> {
      return null;
    },

    async start(request: StartRequest): Promise<RunningProcess> {
      const id = await cli.sbatch(sbatchArgs(request, defaults, SCRIPT), jobEnv(request.env));
      runDirs.set(id, request.runDir);
      return running(id);
    },

    async signal(handle: RunHandle, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
      const id = jobId(handle);
      if (id === null) return;
      sent.set(id, signal);
      // A job whose script has not started would lose the signal (and a queued one refuses it,
      // "can not be altered now"): cancel it instead, which also keeps it from starting.
      const runDir = runDirs.get(id);
      if (signal === 'SIGTERM' && runDir !== undefined && !existsSync(join(runDir, STARTED_FILE))) {
        await cli.scancel(id).catch(() => {});
        return;
      }
      await cli.scancel(id, signal === 'SIGTERM' ? 'TERM' : 'KILL').catch(() => cli.scancel(id)).catch(() => {});
    },

    async adopt(handle: RunHandle | null, ref: RunRef): Promise<AdoptResult> {
      if (handle !== null && jobId(handle) === null) return { kind: 'lost' };
      const record = handle !== null ? await findById(jobId(handle) as string, ref) : await findByRef(ref);
      if (!record) return { kind: 'lost' };
      runDirs.set(record.id, ref.runDir);
      if (slurmPhase(record.state) === 'ended') return { kind: 'exited', status: exitOf(record, record.id) };
      return { kind: 'alive', process: running(record.id) };
    },

    /** The job's state and queue reason at the last squeue listing. */
    describe(handle: RunHandle): ExecutorRunState | null {
      const id = jobId(handle);
      const record = id === null ? undefined : watch.latest(id);
      return record ? { state: record.state, reason: record.reason } : null;
    },
  };

  /** The job by id, if it is the run's (its name): squeue first, then accounting. */
  async function findById(id: string, ref: RunRef): Promise<SlurmJobRecord | null> {
    const record = (await watch.list()).get(id) ?? (await cli.sacct({ ids: [id] }).catch(() => []))[0];
    return record && record.name === ref.name ? record : null;
  }

  /** The run's job by name and run directory (the comment, where reported): a live one first. */
  async function findByRef(ref: RunRef): Promise<SlurmJobRecord | null> {
    const ours = (r: SlurmJobRecord) => r.name === ref.name && (r.comment === null || r.comment === ref.runDir);
    const listed = [...(await watch.list()).values()].filter(ours);
    const live = listed.find((r) => slurmPhase(r.state) !== 'ended');
    if (live ?? listed[0]) return live ?? listed[0];
    const finished = (await cli.sacct({ name: ref.name }).catch(() => [])).filter(ours);
    return finished[finished.length - 1] ?? null;
  }
}

/** The job id of a Slurm handle; null for another executor's handle or an id not of this form. */
export function jobId(handle: RunHandle): string | null {
  return handle.executor === SLURM_EXECUTOR && /^\d+$/.test(handle.externalId) ? handle.externalId : null;
}
