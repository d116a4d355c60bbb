/**
 * Progress and ETA from observed steps. Pure: the caller passes the clock. The rate is taken
 * over a sliding window of recent samples so that a slow evaluation pause does not swing it
 * and a restart from a checkpoint does not count the skipped steps.
 */
import type { Progress } from './types.ts';

export interface ProgressState {
  readonly step: number | null;
  readonly total: number | null;
  /** (time, step) samples, oldest first. */
  readonly samples: ReadonlyArray<readonly [number, number]>;
}

/** Samples older than this are dropped from the rate window. Default: 60 s. */
export const RATE_WINDOW_MS = 60_000;
const MAX_SAMPLES = 64;

export const EMPTY_PROGRESS: ProgressState = { step: null, total: null, samples: [] };

export function observeStep(state: ProgressState, step: number, now: number): ProgressState {
  if (state.step !== null && step < state.step) {
    // The step axis went back (a resume): start a new rate window.
    return { ...state, step, samples: [[now, step]] };
  }
  const samples = [...state.samples.filter(([t]) => now - t <= RATE_WINDOW_MS), [now, step] as const].slice(-MAX_SAMPLES);
  return { ...state, step: Math.max(step, state.step ?? step), samples };
}

export function setTotal(state: ProgressState, total: number | null): ProgressState {
  return { ...state, total };
}

/** Longest status message kept; a longer one is cut, ending with "…". Default: 1,000 characters. */
export const STATUS_MESSAGE_MAX = 1000;

/** A reported status message as kept: at most `STATUS_MESSAGE_MAX` characters. */
export function statusMessage(message: string): string {
  const chars = [...message];
  return chars.length <= STATUS_MESSAGE_MAX ? message : `${chars.slice(0, STATUS_MESSAGE_MAX - 1).join('')}…`;
}

/** Progress computed from steps: everything but the status message, which is reported as is. */
export type StepProgress = Omit<Progress, 'message'>;

export function toProgress(state: ProgressState): StepProgress {
  const { samples } = state;
  let rate: number | null = null;
  if (samples.length >= 2) {
    const [t0, s0] = samples[0];
    const [t1, s1] = samples[samples.length - 1];
    if (t1 > t0 && s1 > s0) rate = ((s1 - s0) * 1000) / (t1 - t0);
  }
  const etaSeconds = rate !== null && state.total !== null && state.step !== null
    ? Math.max(0, (state.total - state.step) / rate)
    : null;
  return { step: state.step, total: state.total, rate, etaSeconds };
}
