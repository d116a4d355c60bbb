/**
 * Request counters and latency quantiles of a serving process since it started (`GET /metrics`;
 * the builtin target's `traffic()` reads them for a deployment's watch).
 *
 * Latencies go into log-spaced buckets (each 2 % wider than the last, from 0.01 ms), so memory
 * stays constant however long the process runs and a quantile is within 2 % of the true one.
 */

/** Ratio of one bucket's upper bound to the previous one's. */
const BUCKET_RATIO = 1.02;
const SMALLEST_MS = 0.01;

export interface TrafficReport {
  /** Completion requests answered (any status). */
  readonly requests: number;
  /** Of those, answers with a 5xx status (the server failed them). */
  readonly errors: number;
  /** Of those, refused for the caller's fault (4xx: no or a revoked key, a bad body, an unknown model). */
  readonly rejected: number;
  /** Over every completion request since start; null before the first. */
  readonly latencyMs: { readonly median: number | null; readonly p95: number | null };
  /** Epoch ms the counting started. */
  readonly since: number;
}

export interface Traffic {
  record(status: number, latencyMs: number): void;
  report(): TrafficReport;
}

export function createTraffic(now: () => number = Date.now): Traffic {
  const since = now();
  const buckets = new Map<number, number>();
  let requests = 0;
  let errors = 0;
  let rejected = 0;

  const bucketOf = (ms: number) => (ms <= SMALLEST_MS ? 0 : Math.ceil(Math.log(ms / SMALLEST_MS) / Math.log(BUCKET_RATIO)));
  const upperBound = (bucket: number) => SMALLEST_MS * BUCKET_RATIO ** bucket;

  function quantile(q: number): number | null {
    if (requests === 0) return null;
    const rank = Math.max(1, Math.ceil(q * requests));
    let seen = 0;
    for (const bucket of [...buckets.keys()].sort((a, b) => a - b)) {
      seen += buckets.get(bucket)!;
      if (seen >= rank) return Math.round(upperBound(bucket) * 100) / 100;
    }
    return null;
  }

  return {
    record(status, latencyMs) {
      requests++;
      if (status >= 500) errors++;
      else if (status >= 400) rejected++;
      const bucket = bucketOf(latencyMs);
      buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
    },
    report: () => ({ requests, errors, rejected, latencyMs: { median: quantile(0.5), p95: quantile(0.95) }, since }),
  };
}
