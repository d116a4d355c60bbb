/**
 * Operations (docs/operations.md): liveness, readiness, and a backup taken by the server.
 */
import { z } from 'zod';
import type { Wire } from './wire.ts';

/** `GET /healthz`: the process answers. */
export const livenessSchema = z.object({ ok: z.literal(true) });

/** One readiness check: the store, the start-up, each durable subscriber's lag. */
export const readinessCheckSchema = z.object({
  name: z.string().describe('`store`, `started`, or `subscriber:<name>`'),
  ok: z.boolean(),
  detail: z.string(),
});

/** `GET /readyz`: 200 when every check passes, else 503 with the same body. */
export const readinessSchema = z.object({
  ready: z.boolean(),
  /** The failed checks' details, joined; null when ready. */
  reason: z.string().nullable(),
  checks: z.array(readinessCheckSchema),
});

export const backupRequestSchema = z.object({
  dest: z.string().min(1).refine((p) => p.startsWith('/'), 'expected an absolute path on the server\'s machine').refine((p) => !p.includes('\0'), 'a path cannot hold a NUL byte')
    .describe('Where the backup goes, on the server\'s machine: an absolute path that does not exist or is an empty directory'),
});

export const databaseCountsSchema = z.object({
  jobs: z.number().int(),
  runs: z.number().int(),
  events: z.number().int(),
  checkpoints: z.number().int(),
  datasetVersions: z.number().int(),
  metricSeries: z.number().int(),
});

/** A finished backup: where, how much, the database's counts, what was left out. */
export const backupSummarySchema = z.object({
  dest: z.string(),
  createdAt: z.number().int(),
  files: z.number().int().describe('files in the backup, the database included'),
  bytes: z.number().int(),
  counts: databaseCountsSchema,
  skipped: z.number().int().describe('files of the data directory left out (listed with reasons in manifest.json)'),
  externalCheckpoints: z.number().int().describe('checkpoint records whose file lies outside the data directory: not copied'),
  missingCheckpoints: z.number().int().describe('checkpoint records whose file was already gone'),
});

export type Liveness = Wire<typeof livenessSchema>;
export type Readiness = Wire<typeof readinessSchema>;
export type BackupSummary = Wire<typeof backupSummarySchema>;
export type BackupRequest = z.input<typeof backupRequestSchema>;
