/** The global retention policy's part of the Store (see store.ts for the rules every verb keeps). */
import type { GlobalRetention, RetentionPolicy } from '../core/retention.ts';

/**
 * The policy of jobs that have none of their own (docs/retention.md). One value, changed in
 * one transaction with its `retention.policy_changed` event.
 */
export interface RetentionPolicyStore {
  /** The global policy; `policy` null when none was ever set or it was removed. */
  getRetentionPolicy(): Promise<GlobalRetention>;
  /**
   * Sets (or, with null, removes) the global policy, with `retention.policy_changed`. Setting
   * the policy it holds already writes nothing and returns it.
   */
  setRetentionPolicy(policy: RetentionPolicy | null, by: string, now: number): Promise<GlobalRetention>;
}
