/**
 * The schema of the `slurm:` block of a job spec (docs/slurm.md): what a job asks Slurm for
 * besides `resources` (GPUs, CPUs). Each field overrides the server's default
 * (`TRAINYARD_SLURM_*`, config.ts). A server whose executor is not Slurm keeps the block and does
 * not use it. The fields, their checks and the priority mapping are slurm-options.ts.
 */
import { z } from 'zod';
import { ownOptionProblem, SLURM_FIELD_CHECKS as C } from './slurm-options.ts';

export type { SlurmSpec } from './slurm-options.ts';

const name = (what: string) => z.string().max(200).regex(C.name.pattern, `a ${what} ${C.name.expected.slice(2)}`);

export const slurmSpecInput = z.strictObject({
  partition: name('partition').optional(),
  account: name('account').optional(),
  qos: name('QoS').optional(),
  memory: z.union([z.number().int().positive().transform(String), z.string().regex(C.memory.pattern, C.memory.expected)]).optional(),
  time: z.union([z.number().int().positive().transform(String), z.string().regex(C.time.pattern, C.time.expected)]).optional(),
  gpuFlag: z.enum(['gres', 'gpus'], { error: C.gpuFlag.expected }).optional(),
  extraArgs: z.array(
    z.string().min(1).max(500)
      .regex(C.extraArg.pattern, C.extraArg.expected)
      .superRefine((arg, ctx) => {
        const problem = ownOptionProblem(arg);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
  ).max(50).optional(),
});
