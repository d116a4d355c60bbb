/**
 * Early stop at a target, as a pure decision: `stopWhen: {metric: val_loss, below: 0.45}` (or
 * `above`) ends a job `succeeded` once a point of the metric passes the target. The run intake
 * feeds each batch of new points here (control/watchdogs.ts) and stops the run gracefully.
 */
import { z } from 'zod';
import type { StopWhenSpec } from './types.ts';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** `stopWhen:` in a job spec. */
export const stopWhenInput = z
  .strictObject({
    metric: z.string().min(1).max(200),
    below: finite.optional(),
    above: finite.optional(),
  })
  .superRefine((s, ctx) => {
    if ((s.below === undefined) === (s.above === undefined)) {
      ctx.addIssue({ code: 'custom', message: `give exactly one of below or above (came ${s.below === undefined ? 'neither' : 'both'})` });
    }
  });

export interface TargetReached {
  readonly step: number;
  readonly value: number;
  /** "stopWhen: val_loss 0.43 < 0.45 at step 1200": the job's outcome and status message. */
  readonly detail: string;
}

/** The first point (in the order given) past the target, or null. NaN and ±inf never reach it. */
export function checkStopWhen(spec: StopWhenSpec, steps: ArrayLike<number>, values: ArrayLike<number>): TargetReached | null {
  for (let i = 0; i < steps.length; i++) {
    const value = values[i];
    if (!Number.isFinite(value)) continue;
    if (spec.below !== undefined && value < spec.below) return reached(steps[i], value, `${value} < ${spec.below}`);
    if (spec.above !== undefined && value > spec.above) return reached(steps[i], value, `${value} > ${spec.above}`);
  }
  return null;

  function reached(step: number, value: number, comparison: string): TargetReached {
    return { step, value, detail: `stopWhen: ${spec.metric} ${comparison} at step ${step}` };
  }
}
