/**
 * A typed client of the retention routes (docs/retention.md, docs/http-api.md "Retention"), on
 * the same transport as `client.ts` (so the same errors: `ApiError`, `ApiConnectionError`).
 */
import type { ApiGcReport, ApiGlobalRetention, GcRequest, RetentionPolicyBody } from '../core/api/retention.ts';
import { createTransport, type ClientOptions } from './client.ts';

export type { ApiGcJobReport, ApiGcReport, ApiGlobalRetention, ApiRetentionPolicy, GcRequest, RetentionPolicyBody } from '../core/api/retention.ts';

export type RetentionClient = ReturnType<typeof createRetentionClient>;

export function createRetentionClient(options: ClientOptions) {
  const { url, json } = createTransport(options);
  return {
    url,
    /** The global policy (null when none is set). */
    policy: () => json<ApiGlobalRetention>('GET', '/api/v1/retention'),
    /** Sets the global policy; `{policy: null}` removes it. */
    setPolicy: (body: RetentionPolicyBody) => json<ApiGlobalRetention>('PUT', '/api/v1/retention', { body }),
    /** Collects (or with `dryRun`, reports) every job's checkpoints, or one job's. */
    collect: (request: GcRequest = {}) => json<ApiGcReport>('POST', '/api/v1/gc', { body: request }),
  };
}
