/**
 * A typed client of the automation rule routes (`/api/v1/rules`, docs/automations.md), on the
 * same transport as `client.ts` (the same errors: `ApiError`, `ApiConnectionError`).
 */
import type { FiringInfo, RuleInfo, RuleInput, RuleList, RuleTestResult } from '../core/api/automations.ts';
import { createTransport, type ClientOptions } from './client.ts';

export type { FiringInfo, RuleInfo, RuleInput, RuleList, RuleTestResult } from '../core/api/automations.ts';

export type RulesClient = ReturnType<typeof createRulesClient>;

export function createRulesClient(options: ClientOptions) {
  const { url, json } = createTransport(options);
  const path = (name: string) => `/api/v1/rules/${encodeURIComponent(name)}`;
  return {
    url,
    /** Every rule, by name, and the rules file's state (its last error). */
    list: () => json<RuleList>('GET', '/api/v1/rules'),
    get: (name: string) => json<RuleInfo>('GET', path(name)),
    /** Creates or replaces an API rule (admin only). */
    put: (name: string, rule: RuleInput) => json<RuleInfo>('PUT', path(name), { body: rule }),
    /** Removes an API rule (admin only). */
    remove: (name: string) => json<{ name: string; deleted: true }>('DELETE', path(name)),
    enable: (name: string) => json<RuleInfo>('POST', `${path(name)}/enable`),
    disable: (name: string) => json<RuleInfo>('POST', `${path(name)}/disable`),
    /** Newest first. */
    firings: async (name: string, limit?: number) => (await json<{ firings: FiringInfo[] }>('GET', `${path(name)}/firings${limit ? `?limit=${limit}` : ''}`)).firings,
    /** The dry run: what the rule would do with one event or the last N; nothing is done. */
    test: (name: string, target: { eventId?: number; last?: number }) => json<RuleTestResult>('POST', `${path(name)}/test`, { body: target }),
  };
}
