/**
 * The executors a server can run with, by name (`TRAINYARD_EXECUTOR`). Only `local` exists;
 * `slurm` and `agent` register here when they come.
 */
import type { Executor } from './executor.ts';
import { createLocalExecutor } from './local/local-executor.ts';

/** What the server's configuration says about the executor's resources (config.ts). */
export interface ExecutorSettings {
  /** GPU indices to hand out; null: the executor's own discovery. */
  readonly gpus: readonly number[] | null;
  /** CPU-only runs at once; null: the executor's own default. */
  readonly cpuSlots: number | null;
}

const FACTORIES: Readonly<Record<string, (settings: ExecutorSettings) => Executor>> = {
  local: (settings) => createLocalExecutor(settings),
};

/** The names `createExecutor` knows, for messages. */
export const EXECUTOR_NAMES: readonly string[] = Object.keys(FACTORIES);

/** The executor called `name`, or null when there is none by that name. */
export function createExecutor(name: string, settings: ExecutorSettings): Executor | null {
  return Object.hasOwn(FACTORIES, name) ? FACTORIES[name](settings) : null;
}
