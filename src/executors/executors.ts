/**
 * The executors a server can run with, by name (`TRAINYARD_EXECUTOR`): `local` (child processes
 * of the server) and `slurm` (one Slurm batch job per run, docs/slurm.md).
 */
import type { SlurmSpec } from '../core/slurm-options.ts';
import type { Executor } from './executor.ts';
import { createLocalExecutor } from './local/local-executor.ts';
import { createSlurmCli } from './slurm/slurm-cli.ts';
import { createSlurmExecutor } from './slurm/slurm-executor.ts';

/** What the server's configuration says about the executor's resources (config.ts). */
export interface ExecutorSettings {
  /** GPU indices to hand out; null: the executor's own discovery. */
  readonly gpus: readonly number[] | null;
  /** CPU-only runs at once; null: the executor's own default. */
  readonly cpuSlots: number | null;
  /** The Slurm executor's defaults and poll interval (config.ts `readSlurmEnv`). Default: none, 2 s. */
  readonly slurm?: { readonly defaults: SlurmSpec; readonly pollMs: number };
  /** The server's environment, where outside tools are found (PATH, SLURM_CONF). Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

const FACTORIES: Readonly<Record<string, (settings: ExecutorSettings) => Executor>> = {
  local: (settings) => createLocalExecutor(settings),
  slurm: (settings) => createSlurmExecutor({
    cli: createSlurmCli({ env: settings.env }),
    gpus: settings.gpus,
    cpuSlots: settings.cpuSlots,
    defaults: settings.slurm?.defaults,
    pollMs: settings.slurm?.pollMs,
  }),
};

/** The names `createExecutor` knows, for messages. */
export const EXECUTOR_NAMES: readonly string[] = Object.keys(FACTORIES);

/** The executor called `name`, or null when there is none by that name. */
export function createExecutor(name: string, settings: ExecutorSettings): Executor | null {
  return Object.hasOwn(FACTORIES, name) ? FACTORIES[name](settings) : null;
}
