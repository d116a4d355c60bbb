/**
 * The run's environment (docs/training-contract.md), read in one place.
 */
import { resolve } from 'node:path';

/** What a run learns from its `TRAINYARD_*` variables. */
export interface RunEnvironment {
  /** `TRAINYARD_URL`; null when the script was not started by Trainyard. */
  readonly url: string | null;
  readonly token: string | null;
  readonly jobId: string | null;
  readonly runId: string | null;
  /** From 1. Default: 1. */
  readonly attempt: number;
  /** Absolute. Default: `./checkpoints`. */
  readonly checkpointDir: string;
  /** `TRAINYARD_SPOOL_DIR`, absolute; null when unset (the SDK then uses `<checkpointDir>/.spool`). */
  readonly spoolDir: string | null;
  /** `TRAINYARD_SPOOL_MAX_MB`: the spool's size cap in MiB; null when unset (the SDK's default, 512). */
  readonly spoolMaxMB: number | null;
  readonly resumeFrom: string | null;
  readonly resumeStep: number | null;
  /** `TRAINYARD_INIT_FROM`: the checkpoint the job starts from (its `from:`); null when none. */
  readonly initFrom: string | null;
  /** `TRAINYARD_INIT_FROM_ID`: that checkpoint's id; null when none. */
  readonly initFromId: number | null;
  readonly params: Readonly<Record<string, unknown>>;
  /** `RANK` of a distributed job; only rank 0 reports. Default: 0. */
  readonly rank: number;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Reads the environment; problems (a bad number, bad JSON) are warned about and defaulted. */
export function readRunEnvironment(env: Env, warn: (message: string) => void): RunEnvironment {
  const text = (name: string): string | null => {
    const value = env[name]?.trim();
    return value ? value : null;
  };
  const number = (name: string): number | null => {
    const raw = text(name);
    if (raw === null) return null;
    const value = Number(raw);
    if (Number.isFinite(value)) return value;
    warn(`${name} is not a number: '${raw}'`);
    return null;
  };
  const checkpointDir = resolve(text('TRAINYARD_CHECKPOINT_DIR') ?? 'checkpoints');
  return {
    url: text('TRAINYARD_URL'),
    token: text('TRAINYARD_TOKEN'),
    jobId: text('TRAINYARD_JOB_ID'),
    runId: text('TRAINYARD_RUN_ID'),
    attempt: number('TRAINYARD_ATTEMPT') ?? 1,
    checkpointDir,
    spoolDir: text('TRAINYARD_SPOOL_DIR') === null ? null : resolve(text('TRAINYARD_SPOOL_DIR')!),
    spoolMaxMB: number('TRAINYARD_SPOOL_MAX_MB'),
    resumeFrom: text('TRAINYARD_RESUME_FROM'),
    resumeStep: number('TRAINYARD_RESUME_STEP'),
    initFrom: text('TRAINYARD_INIT_FROM'),
    initFromId: number('TRAINYARD_INIT_FROM_ID'),
    params: parseParams(text('TRAINYARD_PARAMS'), warn),
    rank: number('RANK') ?? 0,
  };
}

function parseParams(raw: string | null, warn: (message: string) => void): Record<string, unknown> {
  if (raw === null) return {};
  try {
    const value: unknown = JSON.parse(raw);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { value };
  } catch {
    warn(`TRAINYARD_PARAMS is not JSON: '${raw.slice(0, 80)}'`);
    return {};
  }
}
