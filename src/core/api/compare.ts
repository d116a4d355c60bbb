/** `GET /api/v1/compare`: one metric of several jobs on shared step columns. */
import { z } from 'zod';
import { checkpointSchema, jobStateSchema } from './jobs.ts';
import type { Wire } from './wire.ts';

const column = z.array(z.number().nullable()).describe('one entry per column; null where the job has no point (or a NaN one)');

export const compareJobSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    state: jobStateSchema,
    params: z.record(z.string(), z.unknown()),
    tags: z.array(z.string()),
    keys: z.array(z.string()).describe("the job's metric keys"),
    found: z.boolean().describe('the job has the compared metric'),
    min: column.nullable().describe('null when bands=false'),
    max: column.nullable().describe('null when bands=false'),
    last: column,
    best: checkpointSchema.nullable().describe('its kept checkpoint with the best value of the metric'),
  })
  .meta({ id: 'CompareJob' });

export const compareSchema = z
  .object({
    key: z.string(),
    from: z.number().nullable().describe('the shared step range; null when no job has the metric'),
    to: z.number().nullable(),
    buckets: z.number().int(),
    goal: z.enum(['min', 'max']),
    steps: z.array(z.number()).describe("each kept column's last step"),
    jobs: z.array(compareJobSchema),
  })
  .meta({ id: 'Compare' });

export type CompareJob = Wire<typeof compareJobSchema>;
export type CompareResponse = Wire<typeof compareSchema>;
