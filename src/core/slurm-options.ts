/**
 * What a job may ask Slurm for (the `slurm:` block of a job spec, the server's
 * `TRAINYARD_SLURM_*` defaults), each field's check, and Trainyard's priority as Slurm's
 * `--nice` (docs/slurm.md). Pure and free of zod, so config.ts can read the variables without
 * loading a validator at CLI start-up; the job spec's schema is slurm-spec.ts.
 */
import type { Priority } from './types.ts';

export interface SlurmSpec {
  /** `--partition` (a name, or several separated by commas). */
  readonly partition?: string;
  /** `--account`. */
  readonly account?: string;
  /** `--qos`. */
  readonly qos?: string;
  /** `--mem`, memory per node as sbatch takes it: `16G`, `500M`, `2T`, or a number of MiB. */
  readonly memory?: string;
  /**
   * `--time`, the wall-clock limit as sbatch takes it (`90` minutes, `1:30:00`, `2-00:00:00`).
   * Default: the job's `timeLimitSeconds` plus its stop grace, in whole minutes rounded up (so
   * Trainyard's own limit acts first); else the partition's.
   */
  readonly time?: string;
  /** How GPUs are asked for: `gres` (`--gres=gpu:N`) or `gpus` (`--gpus=N`). Default: `gres`. */
  readonly gpuFlag?: 'gres' | 'gpus';
  /** Further sbatch options, verbatim (`--constraint=a100`); not those Trainyard sets itself. */
  readonly extraArgs?: readonly string[];
}

/** The sbatch options Trainyard sets itself, refused in `extraArgs`. */
export const SLURM_OWN_OPTIONS = ['--parsable', '--export', '--job-name', '--chdir', '--output', '--error', '--open-mode', '--comment', '--requeue', '--no-requeue', '--nice', '--array', '--wrap'] as const;

/** Each string field's pattern and what it expects, for messages. */
export const SLURM_FIELD_CHECKS = {
  name: { pattern: /^[A-Za-z0-9_.+-]+(,[A-Za-z0-9_.+-]+)*$/, expected: 'a name (letters, digits, "_", ".", "-"; several separated by commas)' },
  memory: { pattern: /^\d+[KMGT]?$/, expected: 'memory as sbatch --mem takes it: a number of MiB, or with a unit K, M, G or T (e.g. 16G)' },
  /** sbatch's time formats: minutes, minutes:seconds, hours:minutes:seconds, days-hours[:minutes[:seconds]]. */
  time: { pattern: /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2})$/, expected: 'a time as sbatch --time takes it: minutes, "H:MM:SS" or "D-HH:MM:SS"' },
  gpuFlag: { pattern: /^(gres|gpus)$/, expected: '"gres" (--gres=gpu:N) or "gpus" (--gpus=N)' },
  extraArg: { pattern: /^--?[A-Za-z]/, expected: 'an sbatch option starting with "-" (e.g. "--constraint=a100")' },
} as const;

/** Why `arg` may not be an extra sbatch option (one Trainyard sets itself), or null. */
export function ownOptionProblem(arg: string): string | null {
  return SLURM_OWN_OPTIONS.some((own) => arg === own || arg.startsWith(`${own}=`))
    ? `an option Trainyard does not set itself (it sets ${SLURM_OWN_OPTIONS.join(', ')})`
    : null;
}

/**
 * Trainyard's priority as Slurm's `--nice` (lower runs first; never negative, which only
 * operators may set): each class has its own band of 1000 values, the value moves a job within
 * it. high: 0..1000, normal: 1000..2000, low: 2000..3000; `value` 500 or more is the top of its
 * band, -500 or less the bottom.
 */
export function slurmNice(priority: Priority): number {
  const base = { high: 500, normal: 1500, low: 2500 }[priority.class];
  return base - Math.max(-500, Math.min(500, Math.trunc(priority.value)));
}

/** A job's `--time` when its spec gives none: its own time limit plus the stop grace, in whole minutes. */
export function slurmTimeFor(timeLimitSeconds: number | null, stopGraceSeconds: number): string | null {
  return timeLimitSeconds === null ? null : String(Math.ceil((timeLimitSeconds + stopGraceSeconds) / 60));
}
