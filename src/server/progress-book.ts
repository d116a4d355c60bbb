/**
 * Each job's live progress (step, total, rate, ETA), kept in memory and written to the store
 * at most once a second per job, so that a fast metric stream does not turn into a write per
 * batch. Every write is published as a `job` event.
 */
import { EMPTY_PROGRESS, observeStep, setTotal, toProgress, type ProgressState } from '../core/progress.ts';
import type { Store } from '../store/store.ts';
import type { EventBus } from './events.ts';
import { jobView } from './views.ts';

export interface ProgressBook {
  /** A run of the job starts (fresh, or resumed at `resumeStep`): restart the rate window. */
  begin(jobId: number, resumeStep: number | null): void;
  observe(jobId: number, step: number): void;
  setTotal(jobId: number, total: number): void;
  /** Writes pending progress now. */
  flush(jobId: number): Promise<void>;
  /** When the job's step last increased (in this server's life), or null. */
  lastProgressAt(jobId: number): number | null;
}

/** Default: 1,000 ms between writes of one job's progress. */
export const PROGRESS_WRITE_MS = 1_000;

export function createProgressBook(store: Store, bus: EventBus, now: () => number): ProgressBook {
  const states = new Map<number, ProgressState>();
  const timers = new Map<number, NodeJS.Timeout>();
  const lastWrite = new Map<number, number>();
  const progressedAt = new Map<number, number>();

  async function write(jobId: number): Promise<void> {
    timers.delete(jobId);
    const state = states.get(jobId);
    if (!state) return;
    lastWrite.set(jobId, now());
    await store.setProgress(jobId, toProgress(state));
    const job = await store.getJob(jobId);
    if (job) bus.publish({ type: 'job', jobId, data: jobView(job) });
  }

  function schedule(jobId: number): void {
    if (timers.has(jobId)) return;
    const wait = Math.max(0, (lastWrite.get(jobId) ?? 0) + PROGRESS_WRITE_MS - now());
    const timer = setTimeout(() => void write(jobId).catch(() => {}), wait);
    timer.unref();
    timers.set(jobId, timer);
  }

  function update(jobId: number, change: (s: ProgressState) => ProgressState): void {
    states.set(jobId, change(states.get(jobId) ?? EMPTY_PROGRESS));
    schedule(jobId);
  }

  return {
    begin(jobId, resumeStep) {
      progressedAt.delete(jobId);
      const previous = states.get(jobId) ?? EMPTY_PROGRESS;
      states.set(jobId, { ...previous, step: resumeStep, samples: [] });
    },
    observe(jobId, step) {
      const before = states.get(jobId)?.step ?? null;
      if (before === null || step > before) progressedAt.set(jobId, now());
      update(jobId, (s) => observeStep(s, step, now()));
    },
    lastProgressAt: (jobId) => progressedAt.get(jobId) ?? null,
    setTotal: (jobId, total) => update(jobId, (s) => setTotal(s, total)),
    async flush(jobId) {
      const timer = timers.get(jobId);
      if (timer) clearTimeout(timer);
      await write(jobId);
    },
  };
}
