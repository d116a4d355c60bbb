/** Artifacts of runs (`/api/v1/runs/:runId/artifacts`, `/api/v1/jobs/:id/artifacts`, `/api/v1/artifacts/:id`; core/artifacts.ts). */
import { z } from 'zod';
import { ARTIFACT_KINDS } from '../artifacts.ts';
import type { Wire } from './wire.ts';

export const artifactKindSchema = z.enum(ARTIFACT_KINDS);

export const artifactSchema = z
  .object({
    id: z.number().int(),
    jobId: z.number().int(),
    runId: z.number().int(),
    name: z.string().describe('the file name the run gave; its extension decides the inferred kind and the media type'),
    kind: artifactKindSchema.describe('image, table (CSV/TSV), text or other'),
    step: z.number().nullable().describe('the training step it belongs to; null when none was given'),
    mediaType: z.string().describe('the Content-Type its content is served with'),
    bytes: z.number().int(),
    sha256: z.string().describe('hex sha256 of the content'),
    createdAt: z.number().describe('epoch ms'),
  })
  .meta({ id: 'Artifact', description: 'A file a run attached (plot, table, report): not a checkpoint' });

export const artifactListSchema = z.object({ artifacts: z.array(artifactSchema).describe('in the order they were attached') });

/** Query of the upload route: the bytes are the body. */
export const artifactUploadQuerySchema = z.strictObject({
  name: z.string().describe('the file name (1 to 200 characters, no control characters); `.png` `.jpg` `.svg` → image, `.csv` `.tsv` → table'),
  kind: artifactKindSchema.optional().describe('default: inferred from the name'),
  step: z.coerce.number().refine(Number.isFinite, 'must be a finite number').optional(),
});

/** Filters of the list route. */
export const artifactListQuerySchema = z.strictObject({
  kind: artifactKindSchema.optional(),
  step: z.coerce.number().refine(Number.isFinite, 'must be a finite number').optional(),
  run: z.coerce.number().int().positive().optional().describe('only the artifacts of this run'),
  name: z.string().optional().describe('only artifacts with this name'),
});

export const artifactIdParams = z.object({ id: z.coerce.number().int().positive() });

export type ArtifactInfo = Wire<typeof artifactSchema>;
export type ArtifactList = Wire<typeof artifactListSchema>;
