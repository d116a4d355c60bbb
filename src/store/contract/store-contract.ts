/**
 * The Store contract: one suite run against every implementation (SQLite, later PostgreSQL),
 * through the `Store` interface only. Each test gets a fresh, empty store from `createStore`
 * and closes it afterwards.
 *
 * Usage, in an implementation's test file:
 *
 * ```ts
 * runStoreContract('sqlite (file)', () => createSqliteStore(join(tmp, `${n++}.db`)));
 * ```
 */
import { describe } from 'node:test';
import type { Store } from '../store.ts';
import { checkpointContract } from './checkpoints-contract.ts';
import { datasetContract } from './datasets-contract.ts';
import { inboxContract } from './inbox-contract.ts';
import { jobContract } from './jobs-contract.ts';
import { metricContract } from './metrics-contract.ts';

export function runStoreContract(name: string, createStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    jobContract(createStore);
    metricContract(createStore);
    checkpointContract(createStore);
    inboxContract(createStore);
    datasetContract(createStore);
  });
}
