/**
 * Remedies for failed runs, as pure decisions. Today one: a run classified `cuda-oom` is retried
 * with its params patched (`batch_size` halved, `grad_accum` doubled, within bounds) as the
 * spec's `remedies.cudaOom` declares, until a bound or `maxTimes` says it would not help.
 *
 * ```yaml
 * remedies:
 *   cudaOom:
 *     patch:
 *       batch_size: {multiply: 0.5, min: 1, round: true}
 *       grad_accum: {multiply: 2, max: 64}
 *     maxTimes: 3
 * ```
 */
import { z } from 'zod';
import { describeValue } from './issue-message.ts';
import type { CudaOomRemedy, Job, ParamPatch } from './types.ts';

/** Default of `remedies.cudaOom.maxTimes`: three halvings take a batch of 32 to 4. */
export const CUDA_OOM_MAX_TIMES = 3;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** One param's change in a spec (`remedies.cudaOom.patch.NAME`). */
export const paramPatchInput = z
  .strictObject({
    multiply: finite.positive().optional(),
    add: finite.optional(),
    min: finite.optional(),
    max: finite.optional(),
    round: z.boolean().optional(),
  })
  .superRefine((op, ctx) => {
    if ((op.multiply === undefined) === (op.add === undefined)) {
      ctx.addIssue({ code: 'custom', message: `give exactly one of multiply or add (came ${op.multiply === undefined ? 'neither' : 'both'})` });
    }
    if (op.min !== undefined && op.max !== undefined && op.min > op.max) {
      ctx.addIssue({ code: 'custom', path: ['min'], message: `min ${op.min} is above max ${op.max}` });
    }
  });

/** `remedies:` in a job spec. */
export const remediesInput = z.strictObject({
  cudaOom: z
    .strictObject({
      patch: z.record(z.string().min(1).max(200), paramPatchInput).refine((p) => Object.keys(p).length > 0, 'names no param to change'),
      maxTimes: z.number().int().min(1).max(20).default(CUDA_OOM_MAX_TIMES),
    })
    .optional(),
});

/**
 * Problems of a patch against the params it will meet first (the spec's): each names the field
 * and what came. Empty when every patched param is a finite number.
 */
export function patchProblems(remedy: Pick<CudaOomRemedy, 'patch'>, params: Readonly<Record<string, unknown>>): { field: string; message: string }[] {
  return Object.keys(remedy.patch)
    .filter((key) => !isFiniteNumber(params[key]))
    .map((key) => ({ field: `remedies.cudaOom.patch.${key}`, message: `patches params.${key}, which must be a number in params; got ${describeValue(params[key])}` }));
}

/** The params a job's next run gets (its `TRAINYARD_PARAMS`): `spec.params` with `paramsOverride` over them. */
export function effectiveParams(job: Pick<Job, 'spec' | 'paramsOverride'>): Record<string, unknown> {
  return { ...job.spec.params, ...(job.paramsOverride ?? {}) };
}

export type CudaOomPlan =
  /** Retry with these params merged over the job's override; `changes` says what moved ("batch_size 16 → 8"). */
  | { readonly retry: true; readonly params: Readonly<Record<string, number>>; readonly changes: string }
  /** Fail the job: why the remedy cannot help any more. */
  | { readonly retry: false; readonly reason: string };

/**
 * The next `cuda-oom` retry's params, from the params of the run that ran out of memory and
 * the patched retries already made. Every patched param must move and stay within its bounds
 * (checked before and after rounding); otherwise, or after `maxTimes` retries, the job fails
 * with the reason ("cuda-oom: batch_size would go below its min 1 (1 → 0.5) after 3 patched
 * retries").
 */
export function planCudaOomRetry(remedy: CudaOomRemedy, params: Readonly<Record<string, unknown>>, applied: number): CudaOomPlan {
  const after = applied === 0 ? 'on the first patch' : `after ${applied} patched ${applied === 1 ? 'retry' : 'retries'}`;
  if (applied >= remedy.maxTimes) {
    return { retry: false, reason: `cuda-oom: gave up ${after} (remedies.cudaOom.maxTimes ${remedy.maxTimes})` };
  }
  const next: Record<string, number> = {};
  const changes: string[] = [];
  for (const [key, op] of Object.entries(remedy.patch)) {
    const value = params[key];
    if (!isFiniteNumber(value)) return { retry: false, reason: `cuda-oom: params.${key} is ${describeValue(value)}, not a number the patch can change` };
    const raw = applyOp(op, value);
    const moved = op.round ? Math.round(raw) : raw;
    const shown = `${value} → ${moved === raw ? raw : `${raw}, rounded ${moved}`}`;
    if (op.min !== undefined && Math.min(raw, moved) < op.min) return { retry: false, reason: `cuda-oom: ${key} would go below its min ${op.min} (${shown}) ${after}` };
    if (op.max !== undefined && Math.max(raw, moved) > op.max) return { retry: false, reason: `cuda-oom: ${key} would go above its max ${op.max} (${shown}) ${after}` };
    if (moved === value) return { retry: false, reason: `cuda-oom: ${key} would stay ${value} (${shown}) ${after}: a retry would run out of memory again` };
    next[key] = moved;
    changes.push(`${key} ${value} → ${moved}`);
  }
  return { retry: true, params: next, changes: changes.join(', ') };
}

function applyOp(op: ParamPatch, value: number): number {
  // Rounded to 12 significant digits: 0.1 × 3 is 0.3, not 0.30000000000000004.
  const raw = op.multiply !== undefined ? value * op.multiply : value + (op.add ?? 0);
  return Number(raw.toPrecision(12));
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
