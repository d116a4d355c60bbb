/** What a run reports besides metrics (`/api/v1/runs/:runId/checkpoints`, `/status`), and the answers. */
import { z } from 'zod';
import type { Wire } from './wire.ts';

export const checkpointInputSchema = z.strictObject({
  path: z.string().min(1).max(4096).describe('relative to the checkpoint directory, or absolute inside it'),
  step: z.number().refine(Number.isFinite, 'must be finite'),
  metrics: z.record(z.string(), z.number()).default({}),
});

export const statusInputSchema = z
  .strictObject({
    total: z.number().min(0).refine(Number.isFinite, 'must be finite').optional(),
    message: z.string().max(1000).optional(),
  })
  .default({});

export const statusAnswerSchema = z.object({ stopRequested: z.boolean().describe('a stop or pause was asked for: save a checkpoint and exit') });

export type CheckpointInput = z.input<typeof checkpointInputSchema>;
export type StatusInput = z.input<typeof statusInputSchema>;
export type StatusAnswer = Wire<typeof statusAnswerSchema>;
