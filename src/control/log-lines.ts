/**
 * Applies a run's new log lines: publishes them for live followers and carries out the line
 * protocol (metrics, progress, checkpoints, artifacts) through the run intake. Metrics from a
 * chunk of lines are recorded in one batch together with the log offset after them, so a
 * restart never applies a line twice (a checkpoint or artifact line applied again after a
 * crash is recorded once: those store verbs are idempotent).
 */
import { TrainyardError } from '../core/errors.ts';
import { parseLine } from '../core/line-protocol.ts';
import type { SeriesPoints } from '../core/types.ts';
import type { LiveBus } from './live-bus.ts';
import type { RunIntake, RunRef } from './run-intake.ts';

export interface LogLinesContext {
  readonly intake: RunIntake;
  readonly bus: LiveBus;
  readonly now: () => number;
}

export async function applyLogLines(
  ctx: LogLinesContext,
  run: RunRef,
  text: string,
  offsetAfter: number,
  warn: (message: string) => void,
): Promise<void> {
  ctx.bus.publish({ type: 'log', jobId: run.jobId, data: { jobId: run.jobId, runId: run.runId, offset: offsetAfter, text } });
  if (!text.includes('#trainyard')) return ctx.intake.logRead(run, offsetAfter);
  const t = ctx.now();
  const columns = new Map<string, { steps: number[]; values: number[]; times: number[] }>();
  const latest: Record<string, { step: number; value: number }> = {};
  let maxStep: number | null = null;
  for (const line of text.split('\n')) {
    const parsed = parseLine(line);
    if (parsed === null) continue;
    switch (parsed.kind) {
      case 'invalid':
        warn(`ignored line protocol instruction: ${parsed.reason}${parsed.column ? ` (column ${parsed.column})` : ''}`);
        break;
      case 'metrics':
        for (const [key, value] of Object.entries(parsed.metrics)) {
          let c = columns.get(key);
          if (!c) columns.set(key, (c = { steps: [], values: [], times: [] }));
          c.steps.push(parsed.step);
          c.values.push(value);
          c.times.push(t);
          latest[key] = { step: parsed.step, value };
        }
        maxStep = Math.max(maxStep ?? parsed.step, parsed.step);
        break;
      case 'progress':
        await ctx.intake.status(run, { total: parsed.total, message: parsed.message }, false);
        break;
      case 'checkpoint':
        try {
          await ctx.intake.checkpoint(run, { path: parsed.path, step: parsed.step, metrics: parsed.metrics });
        } catch (error) {
          if (!(error instanceof TrainyardError)) throw error;
          warn(`checkpoint not registered: ${error.message}`);
        }
        break;
      case 'artifact':
        try {
          await ctx.intake.artifact(run, { name: parsed.name, kind: parsed.artifactKind, step: parsed.step ?? null }, { path: parsed.path });
        } catch (error) {
          if (!(error instanceof TrainyardError)) throw error;
          warn(`artifact not attached: ${error.message}`);
        }
        break;
    }
  }
  if (columns.size === 0) return ctx.intake.logRead(run, offsetAfter);
  const series = new Map<string, SeriesPoints>([...columns].map(([k, c]) => [k, c]));
  await ctx.intake.metrics(run, { batchId: null, series, maxStep, latest, logOffset: offsetAfter });
}
