/** `GET /api/v1/timeline`: which run held which slot when, utilisation and queue depth. */
import { z } from 'zod';
import { runStateSchema } from './jobs.ts';
import type { Wire } from './wire.ts';

export const timelineBarSchema = z.object({
  lane: z.string().describe('gpu-N or cpu-N'),
  jobId: z.number().int(),
  runId: z.number().int(),
  attempt: z.number().int(),
  name: z.string(),
  state: runStateSchema,
  from: z.number().describe('epoch ms'),
  to: z.number().nullable().describe('null while the run is alive'),
});

export const slotsSchema = z.object({
  gpus: z.array(z.number().int()).describe('GPU indices this server hands out'),
  cpuSlots: z.number().int(),
  jobsPerGpu: z.number().int().optional().describe('jobs that may share one GPU; absent: 1'),
});

export const timelineSchema = z
  .object({
    from: z.number(),
    to: z.number(),
    lanes: z.array(z.string()),
    bars: z.array(timelineBarSchema),
    utilisation: z.record(z.string(), z.number()).describe('busy fraction of [from, to] per lane'),
    queueDepth: z.array(z.object({ t: z.number(), depth: z.number().int() })),
    slots: slotsSchema,
  })
  .meta({ id: 'Timeline' });

export type TimelineResponse = Wire<typeof timelineSchema>;
