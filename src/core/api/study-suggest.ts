/** The suggest interface of a study with `search: external` (core/study-ask.ts, docs/studies.md). */
import { z } from 'zod';
import { studyNameSchema } from '../study.ts';

export const trialParams = z.object({ name: studyNameSchema, index: z.coerce.number().int().min(0).max(1_000_000) });

export const askBodySchema = z
  .object({ params: z.record(z.string(), z.unknown()).describe("the searcher's sampled params: every swept param of the study, inside its domain; fixed ones may be left out") })
  .meta({ id: 'StudyAsk' });

export const tellBodySchema = z
  .record(z.string(), z.unknown())
  .describe("{state: 'pruned', step?, value?} or {state: 'failed', reason?}: a trial that runs to the end is not told (its job and objective metric are its result)")
  .meta({ id: 'StudyTell' });
