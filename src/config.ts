/**
 * Every environment variable Trainyard reads, in one place, with its default and the reason.
 * The rest of the code receives a frozen config object and never reads `process.env` itself.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseFreeSpaceFloor, type FreeSpaceFloor } from './core/disk-pressure.ts';
import { TrainyardError } from './core/errors.ts';
import { ownOptionProblem, SLURM_FIELD_CHECKS, type SlurmSpec } from './core/slurm-options.ts';
import { DEFAULT_AUDIT_RETENTION_DAYS, DEFAULT_RATE_LIMITS, type RateLimits } from './core/audit.ts';
import { DEFAULT_RETENTION, parseRetentionAge, type RetentionSettings } from './core/retention-events.ts';

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

/**
 * Retention of old events and run logs (docs/operations.md#retention), each variable an age
 * such as `30d`, `12h`, `90m`, `45s`, or `off`:
 * - TRAINYARD_EVENT_RETENTION: events older than this that every durable subscriber has
 *   handled are deleted. Default: 30d (core/retention-events.ts says why).
 * - TRAINYARD_LOG_RETENTION: logs of jobs that ended longer ago than this are trimmed to their
 *   last 64 KiB. Default: off (logs are the users' output; trimming them must be asked for).
 * - TRAINYARD_RETENTION_INTERVAL: how often a pass runs. Default: 1h.
 */
export function readRetentionEnv(env: NodeJS.ProcessEnv = process.env): RetentionSettings {
  const age = (variable: string, fallback: number | null): number | null => {
    const text = env[variable];
    if (text === undefined || text.trim() === '') return fallback;
    const parsed = parseRetentionAge(text);
    if (typeof parsed === 'string') throw new ConfigError(variable, parsed);
    return parsed;
  };
  const interval = age('TRAINYARD_RETENTION_INTERVAL', DEFAULT_RETENTION.intervalMs);
  if (interval === null) throw new ConfigError('TRAINYARD_RETENTION_INTERVAL', 'an interval like 1h or 30m (to keep everything, set TRAINYARD_EVENT_RETENTION=off), not "off"');
  return Object.freeze({
    eventMaxAgeMs: age('TRAINYARD_EVENT_RETENTION', DEFAULT_RETENTION.eventMaxAgeMs),
    logMaxAgeMs: age('TRAINYARD_LOG_RETENTION', DEFAULT_RETENTION.logMaxAgeMs),
    logKeepBytes: DEFAULT_RETENTION.logKeepBytes,
    intervalMs: interval,
  });
}

/** Rate limits, the audit log's retention and the proxy to trust (docs/audit.md). */
export interface AccessConfig {
  /**
   * TRAINYARD_RATE_LIMIT_INGEST, _CONTROL, _READ: requests a minute per caller of each budget,
   * 0 for none; TRAINYARD_RATE_LIMIT_WINDOW_SECONDS: the window they count in. Defaults:
   * DEFAULT_RATE_LIMITS (6000, 1200, unlimited, 60 s) and the reasons there.
   */
  readonly rateLimits: RateLimits;
  /** TRAINYARD_AUDIT_RETENTION_DAYS: days of audit entries kept. Default: 90. */
  readonly auditRetentionDays: number;
  /**
   * TRAINYARD_TRUST_PROXY: `true`, or the proxies' addresses/CIDRs as a comma list, whose
   * X-Forwarded-For names the client. Default: unset, trust no proxy (a client could forge it).
   */
  readonly trustProxy: boolean | string;
}

/** Reads the access variables; throws `ConfigError` naming the variable when one is invalid. */
export function readAccessEnv(env: NodeJS.ProcessEnv = process.env): AccessConfig {
  const count = (name: string, fallback: number, atLeast: number): number => {
    const text = env[name];
    if (text === undefined || text.trim() === '') return fallback;
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < atLeast) throw new ConfigError(name, `a whole number ≥ ${atLeast}, not ${JSON.stringify(text)}`);
    return n;
  };
  const proxy = env.TRAINYARD_TRUST_PROXY?.trim() ?? '';
  return Object.freeze({
    rateLimits: Object.freeze({
      ...DEFAULT_RATE_LIMITS,
      ingest: count('TRAINYARD_RATE_LIMIT_INGEST', DEFAULT_RATE_LIMITS.ingest, 0),
      control: count('TRAINYARD_RATE_LIMIT_CONTROL', DEFAULT_RATE_LIMITS.control, 0),
      read: count('TRAINYARD_RATE_LIMIT_READ', DEFAULT_RATE_LIMITS.read, 0),
      windowMs: count('TRAINYARD_RATE_LIMIT_WINDOW_SECONDS', DEFAULT_RATE_LIMITS.windowMs / 1000, 1) * 1000,
    }),
    auditRetentionDays: count('TRAINYARD_AUDIT_RETENTION_DAYS', DEFAULT_AUDIT_RETENTION_DAYS, 1),
    trustProxy: proxy === '' || proxy === 'false' ? false : proxy === 'true' ? true : proxy,
  });
}

/** An environment variable holds something Trainyard cannot use. */
export class ConfigError extends TrainyardError {
  override readonly code = 'invalid_config';
  constructor(readonly variable: string, expected: string) {
    super(`${variable} must be ${expected}`);
  }
}

/**
 * Dashboard sessions (docs/dashboard.md). TRAINYARD_SESSION_IDLE_SECONDS: a session unused this
 * long ends (default 43,200: 12 hours); TRAINYARD_SESSION_MAX_SECONDS: a session ends this long
 * after sign-in (default 604,800: 7 days). TRAINYARD_SIGN_IN_CODE_SECONDS: how long a sign-in
 * code may wait (default 300: it travels by copy and paste). Throws `ConfigError` naming the
 * variable when one is not a number of seconds above 0.
 */
export function readSignInEnv(env: NodeJS.ProcessEnv = process.env): { codeTtlMs: number; sessionIdleMs: number; sessionMaxMs: number } {
  const seconds = (name: string, fallback: number): number => {
    const text = env[name];
    if (text === undefined || text.trim() === '') return fallback;
    const value = Number(text);
    if (!(value > 0) || !Number.isFinite(value)) throw new ConfigError(name, `a number of seconds above 0, not ${JSON.stringify(text)}`);
    return value;
  };
  return Object.freeze({
    codeTtlMs: seconds('TRAINYARD_SIGN_IN_CODE_SECONDS', 300) * 1000,
    sessionIdleMs: seconds('TRAINYARD_SESSION_IDLE_SECONDS', 43_200) * 1000,
    sessionMaxMs: seconds('TRAINYARD_SESSION_MAX_SECONDS', 604_800) * 1000,
  });
}

/** The Slurm executor's settings (docs/slurm.md), used when TRAINYARD_EXECUTOR=slurm. */
export interface SlurmSettings {
  /**
   * What every run asks Slurm for unless its job's `slurm:` block says otherwise:
   * TRAINYARD_SLURM_PARTITION, _ACCOUNT, _QOS, _MEMORY (`16G`), _TIME (`1-00:00:00`), _GPU_FLAG
   * (`gres` or `gpus`), _EXTRA_ARGS (sbatch options separated by spaces). Default: none of them,
   * the cluster's own defaults (its default partition, the user's default account).
   */
  readonly defaults: SlurmSpec;
  /**
   * TRAINYARD_SLURM_POLL_SECONDS: how often squeue is asked about all runs (one call). Default: 2,
   * well under what slurmctld minds and quick enough for `show`.
   */
  readonly pollMs: number;
}

/** Reads the Slurm variables; throws `ConfigError` naming the variable when one is invalid. */
export function readSlurmEnv(env: NodeJS.ProcessEnv = process.env): SlurmSettings {
  const read = (suffix: string, check: { pattern: RegExp; expected: string }): string | undefined => {
    const variable = `TRAINYARD_SLURM_${suffix}`;
    const text = env[variable]?.trim();
    if (!text) return undefined;
    if (!check.pattern.test(text)) throw new ConfigError(variable, `${check.expected}, not ${JSON.stringify(env[variable])}`);
    return text;
  };
  const C = SLURM_FIELD_CHECKS;
  const extraArgs = env.TRAINYARD_SLURM_EXTRA_ARGS?.trim() ? env.TRAINYARD_SLURM_EXTRA_ARGS.trim().split(/\s+/) : undefined;
  for (const arg of extraArgs ?? []) {
    const problem = C.extraArg.pattern.test(arg) ? ownOptionProblem(arg) : C.extraArg.expected;
    if (problem) throw new ConfigError('TRAINYARD_SLURM_EXTRA_ARGS', `${problem}, not ${JSON.stringify(arg)}`);
  }
  const fields: SlurmSpec = {
    partition: read('PARTITION', C.name), account: read('ACCOUNT', C.name), qos: read('QOS', C.name),
    memory: read('MEMORY', C.memory), time: read('TIME', C.time), gpuFlag: read('GPU_FLAG', C.gpuFlag) as SlurmSpec['gpuFlag'], extraArgs,
  };
  const defaults = Object.fromEntries(Object.entries(fields).filter((e) => e[1] !== undefined)) as SlurmSpec;
  const poll = env.TRAINYARD_SLURM_POLL_SECONDS;
  const seconds = poll === undefined || poll.trim() === '' ? 2 : Number(poll);
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new ConfigError('TRAINYARD_SLURM_POLL_SECONDS', `a number of seconds above 0, not ${JSON.stringify(poll)}`);
  return Object.freeze({ defaults: Object.freeze(defaults), pollMs: seconds * 1000 });
}
