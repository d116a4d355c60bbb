/**
 * A typed client of the evaluation routes (docs/http-api.md, "Evaluations"), on the same
 * transport as `client.ts` (the same errors: `ApiError` when the server answered with an error,
 * `ApiConnectionError` when it could not be reached) and with the types of the routes' schemas.
 */
import type { ApiEvalSuite, ApiEvaluation, CreatedEvaluation, Leaderboard, SavedEvalSuite } from '../core/api/evaluations.ts';
import type { EvalSuiteInput } from '../core/eval-suite.ts';
import { createTransport, type ClientOptions } from './client.ts';

export type {
  ApiEvalSuite,
  ApiEvaluation,
  CreatedEvaluation,
  EvaluatedCheckpoint,
  Leaderboard,
  LeaderboardRow,
  MetricDiff,
  SavedEvalSuite,
} from '../core/api/evaluations.ts';
export type { EvalSuiteInput } from '../core/eval-suite.ts';

export type EvaluationClient = ReturnType<typeof createEvaluationClient>;

export function createEvaluationClient(options: ClientOptions) {
  const { url, json } = createTransport(options);
  const seg = (s: string | number) => encodeURIComponent(String(s));

  return {
    url,
    /** Saves a suite (version 1, or a no-op for the same definition); `replace` saves a changed one as its next version. */
    saveSuite: (suite: EvalSuiteInput, options: { replace?: boolean } = {}) =>
      json<SavedEvalSuite>('POST', '/api/v1/eval-suites', { body: suite, query: { replace: options.replace ? 'true' : undefined } }),
    /** Every suite's latest version, by name. */
    suites: async () => (await json<{ suites: ApiEvalSuite[] }>('GET', '/api/v1/eval-suites')).suites,
    suite: (name: string, version?: number) => json<ApiEvalSuite>('GET', `/api/v1/eval-suites/${seg(name)}`, { query: { version } }),
    /** Evaluates a checkpoint by a suite now; an existing evaluation of the pair comes back with `created: false`. */
    run: (suite: string, checkpoint: number) => json<CreatedEvaluation>('POST', '/api/v1/evaluations', { body: { suite, checkpoint } }),
    list: async (filter: { job?: number; suite?: string; checkpoint?: number; state?: 'running' | 'done'; limit?: number } = {}) =>
      (await json<{ evaluations: ApiEvaluation[] }>('GET', '/api/v1/evaluations', { query: filter })).evaluations,
    get: (id: number) => json<ApiEvaluation>('GET', `/api/v1/evaluations/${seg(id)}`),
    /** Leaderboards of a job's checkpoints (`job`), of a suite across jobs (`suite`), or both. */
    leaderboard: (query: { job?: number; suite?: string; limit?: number }) => json<Leaderboard>('GET', '/api/v1/evaluations/leaderboard', { query }),
    /** Promote anyway: records who (`by`, default the token) and why. */
    override: (id: number, reason: string, by?: string) =>
      json<ApiEvaluation>('POST', `/api/v1/evaluations/${seg(id)}/override`, { body: by ? { reason, by } : { reason } }),
  };
}
