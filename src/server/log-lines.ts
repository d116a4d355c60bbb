/**
 * Applies a run's new log lines: publishes them for live followers and carries out the line
 * protocol (metrics, progress, checkpoints). Metrics from a chunk of lines are recorded in one
 * batch together with the log offset after them, so a restart never applies a line twice.
 */
import { parseLine } from '../core/line-protocol.ts';
import { TrainyardError } from '../core/errors.ts';
import type { SeriesPoints } from '../core/types.ts';
import type { Store } from '../store/store.ts';
import { registerCheckpointFile } from './checkpoints.ts';
import type { DataDirLayout } from './data-dir.ts';
import type { EventBus } from './events.ts';
import type { ProgressBook } from './progress-book.ts';

export interface LogLinesContext {
  readonly store: Store;
  readonly bus: EventBus;
  readonly layout: DataDirLayout;
  readonly progress: ProgressBook;
  readonly now: () => number;
  /** Progress, watchdogs and the live `metrics` event for recorded points. */
  readonly onMetrics: (jobId: number, runId: number, series: ReadonlyMap<string, SeriesPoints>, maxStep: number | null, latest: Record<string, { step: number; value: number }>) => void;
}

export async function applyLogLines(
  ctx: LogLinesContext,
  run: { readonly runId: number; readonly jobId: number },
  text: string,
  offsetAfter: number,
  warn: (message: string) => void,
): Promise<void> {
  const { store, bus } = ctx;
  bus.publish({ type: 'log', jobId: run.jobId, data: { jobId: run.jobId, runId: run.runId, offset: offsetAfter, text } });
  if (!text.includes('#trainyard')) {
    await store.setLogOffset(run.runId, offsetAfter);
    return;
  }
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
        if (parsed.total !== undefined) ctx.progress.setTotal(run.jobId, parsed.total);
        break;
      case 'checkpoint':
        try {
          const job = await store.getJob(run.jobId);
          const { checkpoint } = await registerCheckpointFile(store, ctx.layout.checkpointDir(run.jobId), {
            jobId: run.jobId, runId: run.runId, path: parsed.path, step: parsed.step, metrics: parsed.metrics,
          }, job?.spec.keepCheckpoints ?? 0, t);
          bus.publish({ type: 'checkpoint', jobId: run.jobId, data: checkpoint });
        } catch (error) {
          if (!(error instanceof TrainyardError)) throw error;
          warn(`checkpoint not registered: ${error.message}`);
        }
        break;
    }
  }
  if (columns.size === 0) {
    await store.setLogOffset(run.runId, offsetAfter);
    return;
  }
  const series = new Map<string, SeriesPoints>([...columns].map(([k, c]) => [k, c]));
  await store.recordMetrics({ runId: run.runId, batchId: null, series, logOffset: offsetAfter });
  ctx.onMetrics(run.jobId, run.runId, series, maxStep, latest);
}
