/** Retry policy: whether a failed run is retried and after how long. Pure. */
import type { RunOutcome } from './types.ts';

/** First retry waits 2 s; each next one doubles, capped at 5 minutes. */
export const RETRY_BASE_MS = 2_000;
export const RETRY_CAP_MS = 300_000;

/** `attempt` is the run that just ended (1-based); `maxRetries` counts retries after the first. */
export function shouldRetry(outcome: RunOutcome, attempt: number, maxRetries: number): boolean {
  return outcome.retryable && attempt <= maxRetries;
}

export function retryDelayMs(attempt: number, baseMs = RETRY_BASE_MS): number {
  return Math.min(RETRY_CAP_MS, baseMs * 2 ** Math.max(0, attempt - 1));
}
