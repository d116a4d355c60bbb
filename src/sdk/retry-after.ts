/**
 * The server's `Retry-After` (a 429 when a token's request budget is spent, docs/audit.md), as
 * the reporter's spool and the client's retries read it. No Node-only imports: the dashboard
 * bundles the client.
 */

/** Longest Retry-After honoured: an hour (a longer one is taken as an hour). */
const RETRY_AFTER_MAX_MS = 3_600_000;

/**
 * A Retry-After header (RFC 9110: seconds, or an HTTP date) as ms from `now`, at most an hour;
 * null when absent or unreadable.
 */
export function retryAfter(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null;
  const text = header.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(0, ms), RETRY_AFTER_MAX_MS);
}
