/**
 * When a run ends, the server takes in what its SDK spooled but could not deliver (the server
 * was unreachable when the script finished): metric batches (deduplicated by batch id, so a
 * batch the SDK did deliver is not counted twice) and checkpoint registrations. This happens
 * before a retry is planned, so the retry resumes from a checkpoint registered through the
 * spool too. Spool files are written by the SDKs (`src/sdk/reporter/spool.ts`, and
 * `sdk/python/trainyard.py`): `{v: 1, jobId, runId, kind: 'metrics' | 'checkpoint', body}`.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { coerceError } from '../core/errors.ts';
import { parseMetricBatch } from '../core/metrics/batch.ts';
import type { RunIntake, RunRef } from './run-intake.ts';

export interface SpoolIntakeResult {
  readonly files: number;
  readonly points: number;
  readonly checkpoints: number;
  /** Files that could not be taken in (left in place), with the reason. */
  readonly refused: ReadonlyArray<{ readonly file: string; readonly reason: string }>;
}

export async function takeInSpool(intake: RunIntake, spoolDir: string, run: RunRef, now: number): Promise<SpoolIntakeResult> {
  let names: string[];
  try {
    names = readdirSync(spoolDir).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return { files: 0, points: 0, checkpoints: 0, refused: [] };
  }
  let files = 0;
  let points = 0;
  let checkpoints = 0;
  const refused: Array<{ file: string; reason: string }> = [];
  for (const name of names) {
    const file = join(spoolDir, name);
    try {
      const entry = JSON.parse(readFileSync(file, 'utf8')) as { v?: number; runId?: string | number | null; kind?: string; body?: any };
      if (entry.v !== 1) throw new Error(`unknown spool format version ${entry.v}`);
      if (entry.runId !== null && entry.runId !== undefined && Number(entry.runId) !== run.runId) continue; // another run's
      if (entry.kind === 'metrics') {
        const result = await intake.metrics(run, parseMetricBatch(entry.body, now));
        points += result.accepted;
      } else if (entry.kind === 'checkpoint') {
        const { path, step, metrics = {} } = entry.body ?? {};
        await intake.checkpoint(run, { path, step, metrics });
        checkpoints++;
      } else {
        throw new Error(`unknown spool entry kind ${entry.kind}`);
      }
      rmSync(file, { force: true });
      files++;
    } catch (error) {
      // A malformed file must not stop the job's bookkeeping: leave it, say why.
      refused.push({ file, reason: coerceError(error).message });
    }
  }
  return { files, points, checkpoints, refused };
}
