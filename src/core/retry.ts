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

/**
 * How much of a retry's backoff is still to wait, ms, when it is first looked at: `notBefore`
 * (epoch ms, stored) less `now`, never below 0 and never above `RETRY_CAP_MS`. The wall clock
 * may have jumped back since `notBefore` was set (a wait of a day for a 2 s backoff) or forward
 * (no wait at all); the caller counts the rest down on a monotonic clock from here, so a jump
 * after this look changes nothing, and one before it costs at most the cap.
 */
export function backoffRemainingMs(notBefore: number, now: number): number {
  return Math.min(RETRY_CAP_MS, Math.max(0, notBefore - now));
}
