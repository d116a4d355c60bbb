/**
 * Every environment variable Trainyard reads, in one place, with its default and the reason.
 * The rest of the code receives a frozen config object and never reads `process.env` itself.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseFreeSpaceFloor, type FreeSpaceFloor } from './core/disk-pressure.ts';
import { TrainyardError } from './core/errors.ts';

export interface ClientEnv {
  /** TRAINYARD_URL: the server to talk to. Default: found through the data directory. */
  readonly url: string | null;
  /** TRAINYARD_TOKEN: the token to use. Default: the data directory's admin token file. */
  readonly token: string | null;
  /** TRAINYARD_HOME: the data directory. Default: ~/.trainyard, like ~/.docker or ~/.kube. */
  readonly dataDir: string;
}

export function readClientEnv(env: NodeJS.ProcessEnv = process.env): ClientEnv {
  return Object.freeze({
    url: env.TRAINYARD_URL || null,
    token: env.TRAINYARD_TOKEN || null,
    dataDir: resolve(env.TRAINYARD_HOME || join(homedir(), '.trainyard')),
  });
}

export interface ServerConfig {
  readonly dataDir: string;
  /** Default: 127.0.0.1 — a training server is not exposed to the network unless asked. */
  readonly host: string;
  /** Default: 7300; 0 picks a free port. */
  readonly port: number;
  /** Default: SQLite at <dataDir>/trainyard.db. */
  readonly db: string | null;
  /**
   * TRAINYARD_GPUS: GPU indices to hand out ("0,1", or "none"). Default: detected with
   * nvidia-smi, none when it is absent.
   */
  readonly gpus: readonly number[] | null;
  /** TRAINYARD_CPU_SLOTS: CPU-only jobs that may run at once. Default: the number of cores. */
  readonly cpuSlots: number | null;
  /** TRAINYARD_EXECUTOR: what runs the jobs. Default: `local`, child processes of the server. */
  readonly executor: string;
  /** How often the dispatcher looks at the queue besides on every change. Default: 500 ms. */
  readonly tickMs: number;
}

export function readServerEnv(env: NodeJS.ProcessEnv = process.env): Pick<ServerConfig, 'gpus' | 'cpuSlots' | 'executor'> {
  const gpus = env.TRAINYARD_GPUS;
  const cpu = env.TRAINYARD_CPU_SLOTS;
  return {
    gpus: gpus === undefined || gpus === '' ? null : gpus === 'none' ? [] : gpus.split(',').map((g) => Number(g.trim())),
    cpuSlots: cpu ? Number(cpu) : null,
    executor: env.TRAINYARD_EXECUTOR || 'local',
  };
}

/** Disk-pressure collection (docs/retention.md). */
export interface GcConfig {
  /**
   * TRAINYARD_GC_MIN_FREE: free space on the data directory's filesystem (`10%` or `20GiB`)
   * under which the server deletes the oldest unprotected checkpoints until it is above again.
   * Default: unset, off (deleting checkpoints nobody asked to delete must be asked for).
   */
  readonly minFree: FreeSpaceFloor | null;
  /**
   * TRAINYARD_GC_INTERVAL_SECONDS: how often free space is read (also after each checkpoint
   * registration). Default: 60: a training job rarely fills a disk in a minute, and statfs is cheap.
   */
  readonly intervalSeconds: number;
}

/** Reads the GC variables; throws `ConfigError` naming the variable when one is invalid. */
export function readGcEnv(env: NodeJS.ProcessEnv = process.env): GcConfig {
  const minFree = env.TRAINYARD_GC_MIN_FREE;
  const interval = env.TRAINYARD_GC_INTERVAL_SECONDS;
  const floor = minFree === undefined || minFree.trim() === '' ? null : parseFreeSpaceFloor(minFree);
  if (typeof floor === 'string') throw new ConfigError('TRAINYARD_GC_MIN_FREE', floor);
  const seconds = interval === undefined || interval.trim() === '' ? 60 : Number(interval);
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new ConfigError('TRAINYARD_GC_INTERVAL_SECONDS', `a number of seconds above 0, not ${JSON.stringify(interval)}`);
  return Object.freeze({ minFree: floor, intervalSeconds: seconds });
}

/** An environment variable holds something Trainyard cannot use. */
export class ConfigError extends TrainyardError {
  override readonly code = 'invalid_config';
  constructor(readonly variable: string, expected: string) {
    super(`${variable} must be ${expected}`);
  }
}
