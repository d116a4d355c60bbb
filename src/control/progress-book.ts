/**
 * Each job's live progress (step, total, rate, ETA, status message), kept in memory and written
 * to the store at most once a second per job, so that a fast metric stream does not turn into a
 * write per batch. Every write is published as a `job` event.
 */
import { EMPTY_PROGRESS, observeStep, setTotal, statusMessage, toProgress, type ProgressState } from '../core/progress.ts';
import type { Progress } from '../core/types.ts';
import type { Store } from '../store/store.ts';
import type { LiveBus } from './live-bus.ts';
import { jobView } from './views.ts';

export interface ProgressBook {
  /** A run of the job starts (fresh, or resumed at `resumeStep`): restart the rate window. */
  begin(jobId: number, resumeStep: number | null): void;
  observe(jobId: number, step: number): void;
  setTotal(jobId: number, total: number): void;
  /** The run's status line ("Training epoch 2/3"); cut to `STATUS_MESSAGE_MAX` characters. */
  setMessage(jobId: number, message: string): void;
  /**
   * The progress not yet written, which the caller writes with the run's end (one transaction);
   * nothing is written for it afterwards. Null when the book does not follow the job.
   */
  take(jobId: number): Partial<Progress> | null;
  /** When the job's step last increased (in this server's life), on the book's clock, or null. */
  lastProgressAt(jobId: number): number | null;
}

/** Default: 1,000 ms between writes of one job's progress. */
export const PROGRESS_WRITE_MS = 1_000;

/** `now`: a monotonic clock (ms, any origin): write spacing, step rates and `lastProgressAt` are durations. */
export function createProgressBook(store: Pick<Store, 'setProgress' | 'getJob'>, bus: LiveBus, now: () => number): ProgressBook {
  const states = new Map<number, ProgressState>();
  const timers = new Map<number, NodeJS.Timeout>();
  const lastWrite = new Map<number, number>();
  const progressedAt = new Map<number, number>();
  /** Messages not yet written; a write without one leaves the stored message as it is. */
  const messages = new Map<number, string>();

  /** The progress to write now (with a message only when a new one came). */
  function pending(jobId: number): Partial<Progress> | null {
    const state = states.get(jobId);
    if (!state) return null;
    const message = messages.get(jobId);
    messages.delete(jobId);
    return message === undefined ? toProgress(state) : { ...toProgress(state), message };
  }

  async function write(jobId: number): Promise<void> {
    timers.delete(jobId);
    const progress = pending(jobId);
    if (!progress) return;
    lastWrite.set(jobId, now());
    await store.setProgress(jobId, progress);
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
    setMessage(jobId, message) {
      messages.set(jobId, statusMessage(message));
      update(jobId, (s) => s);
    },
    take(jobId) {
      const timer = timers.get(jobId);
      if (timer) clearTimeout(timer);
      timers.delete(jobId);
      return pending(jobId);
    },
  };
}
