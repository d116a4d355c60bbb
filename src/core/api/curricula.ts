/** Curricula (`/api/v1/curricula`; core/curriculum.ts, docs/curriculum.md). */
import { z } from 'zod';
import { curriculumNameSchema, curriculumSchema } from '../curriculum.ts';
import { jsonNumber, type Wire } from './wire.ts';

export const curriculumNameParams = z.object({ name: curriculumNameSchema });

/** `PUT /api/v1/curricula/:name`: a curriculum; its name is the URL's (a `name` in the body must agree). */
export const curriculumInputSchema = curriculumSchema.extend({ name: curriculumNameSchema.optional() }).describe('a curriculum as in curriculum.yaml (docs/curriculum.md)');

export const curriculumInfoSchema = z
  .object({
    name: z.string(),
    spec: curriculumSchema,
    version: z.number().int().describe('1 at creation; +1 for each changed spec applied'),
    level: z.number().int().describe('index of the current level in spec.levels'),
    levelName: z.string(),
    state: z.enum(['active', 'completed']).describe('completed: the last level was passed (a manual move makes it active again)'),
    enteredEventId: z.number().int().describe('the event that (re)entered the current level: only evaluations done after it count'),
    enteredAt: z.number().describe('epoch ms'),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'Curriculum' });

export const curriculumMoveSchema = z
  .object({
    id: z.number().int(),
    from: z.number().int(),
    to: z.number().int().describe('equal to from when completed'),
    fromLevel: z.string(),
    toLevel: z.string(),
    direction: z.enum(['promote', 'demote', 'set']),
    reason: z.string().describe('with the numbers; a manual move: the reason given'),
    values: z.array(jsonNumber).describe('the values behind it (smoothed where ema is given); empty for a manual move'),
    completed: z.boolean().describe('a promotion from the last level'),
    causeEventId: z.number().int().nullable().describe('the evaluation.done event that caused it; null for a manual move'),
    by: z.string().describe('system, or who set the level'),
    at: z.number(),
  })
  .meta({ id: 'CurriculumMove' });

export const curriculumWindowSchema = z.object({
  metric: z.string(),
  values: z
    .array(z.object({ evaluationId: z.number().int(), jobId: z.number().int().describe('the evaluated job'), eventId: z.number().int(), value: jsonNumber, at: z.number() }))
    .describe('counted since the level was (re)entered, oldest first'),
  smoothed: z.array(jsonNumber).nullable().describe('the EMA of the values where promote.ema is given'),
  need: z.number().int().describe('promote.over: how many of the last values must each pass'),
});

export const curriculumDetailSchema = curriculumInfoSchema
  .extend({ history: z.array(curriculumMoveSchema).describe('oldest first'), window: curriculumWindowSchema })
  .meta({ id: 'CurriculumDetail' });

export const curriculumListSchema = z.object({ curricula: z.array(curriculumInfoSchema).describe('by name') });

export const curriculumAppliedSchema = z.object({
  curriculum: curriculumInfoSchema,
  created: z.boolean(),
  changed: z.boolean().describe('false: the same spec again, nothing written'),
});

export const setLevelInputSchema = z.strictObject({
  level: z.union([z.string().min(1), z.number().int().min(0)]).describe('a level name or index'),
  reason: z.string().min(1).max(2000),
});

export const runLevelInputSchema = z.strictObject({
  run: z.enum(['train', 'generate']).default('train').describe("the current level's job, or its data-generation job"),
});

export type CurriculumInput = z.input<typeof curriculumInputSchema>;
export type CurriculumInfo = Wire<typeof curriculumInfoSchema>;
export type CurriculumDetail = Wire<typeof curriculumDetailSchema>;
export type CurriculumMove = Wire<typeof curriculumMoveSchema>;
export type CurriculumApplied = Wire<typeof curriculumAppliedSchema>;
