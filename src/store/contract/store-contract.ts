/**
 * The Store contract: one suite run against every implementation (SQLite, later PostgreSQL),
 * through the `Store` interface only. Each test gets a fresh, empty store from `createStore`
 * and closes it afterwards.
 *
 * Usage, in an implementation's test file:
 *
 * ```ts
 * runStoreContract('sqlite (file)', () => createSqliteStore(join(tmp, `${n++}.db`)), { reopen });
 * ```
 */
import { describe } from 'node:test';
import type { Store } from '../store.ts';
import { apiKeyContract } from './api-keys-contract.ts';
import { artifactContract } from './artifacts-contract.ts';
import { auditContract } from './audit-contract.ts';
import { automationContract } from './automations-contract.ts';
import { checkpointContract } from './checkpoints-contract.ts';
import { curriculumContract } from './curricula-contract.ts';
import { datasetContract } from './datasets-contract.ts';
import { deploymentContract } from './deployment-contract.ts';
import { evaluationContract } from './evaluations-contract.ts';
import { eventContract } from './events-contract.ts';
import { inboxContract } from './inbox-contract.ts';
import { initFromContract } from './init-from-contract.ts';
import { jobContract } from './jobs-contract.ts';
import { metricContract } from './metrics-contract.ts';
import { operationsContract } from './operations-contract.ts';
import { eventRetentionContract } from './event-retention-contract.ts';
import { registryContract } from './registry-contract.ts';
import { retentionContract } from './retention-contract.ts';
import { signInContract } from './sign-in-contract.ts';
import { studyContract } from './studies-contract.ts';
import { studyAskContract } from './study-asks-contract.ts';
import { tokenScopeContract } from './token-scopes-contract.ts';

export interface StoreContractOptions {
  /**
   * Closes a store and opens it again on the same data (what a crash then a restart leaves):
   * for durable implementations. Without it, the cases that need it are skipped.
   */
  readonly reopen?: (store: Store) => Promise<Store>;
}

export function runStoreContract(name: string, createStore: () => Promise<Store>, options: StoreContractOptions = {}): void {
  describe(`Store contract: ${name}`, () => {
    jobContract(createStore);
    metricContract(createStore, options);
    checkpointContract(createStore);
    inboxContract(createStore);
    datasetContract(createStore);
    eventContract(createStore);
    evaluationContract(createStore);
    registryContract(createStore);
    retentionContract(createStore);
    initFromContract(createStore);
    deploymentContract(createStore);
    apiKeyContract(createStore);
    automationContract(createStore);
    studyContract(createStore);
    studyAskContract(createStore);
    curriculumContract(createStore);
    artifactContract(createStore);
    operationsContract(createStore);
    signInContract(createStore);
    eventRetentionContract(createStore);
    auditContract(createStore);
    tokenScopeContract(createStore);
  });
}
