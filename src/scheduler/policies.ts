/**
 * The registry of named scheduling policies. Each is a set of switches over the one pipeline in
 * pass.ts, so the benchmark compares policies through the same code.
 */
import { ValidationError } from '../core/errors.ts';
import type { SchedulerPolicy } from './scheduler.ts';

export type PolicyName = 'fifo' | 'priority-backfill';

/** Everything one pass needs to know about how to decide. */
export interface PolicySettings {
  readonly name: PolicyName;
  /** 'arrival': `queuedAt` only; 'priority': class, then priority, then `queuedAt`. */
  readonly ordering: 'arrival' | 'priority';
  /**
   * Whether a job that cannot start holds a reservation that later jobs must respect. Off, a
   * job that does not fit is passed over (greedy first fit: large jobs can starve).
   */
  readonly reservations: boolean;
  /** With reservations: later jobs may start in holes that delay no reservation. */
  readonly backfill: boolean;
  readonly preemption: boolean;
  readonly fairShare: boolean;
}

export const policies: Readonly<Record<PolicyName, PolicySettings>> = Object.freeze({
  /**
   * The first policy: arrival order, first fit, nothing held, nothing preempted. Without
   * reservations there is no head, so the backfill, preemption and fair-share switches do not
   * change it.
   */
  fifo: Object.freeze({
    name: 'fifo', ordering: 'arrival', reservations: false, backfill: true, preemption: false, fairShare: false,
  }),
  /** Issue 3: priority order, conservative backfill, opt-in preemption, optional fair share. */
  'priority-backfill': Object.freeze({
    name: 'priority-backfill', ordering: 'priority', reservations: true, backfill: true, preemption: true, fairShare: false,
  }),
});

export const defaultPolicyName: PolicyName = 'priority-backfill';

/** The named policy (default 'priority-backfill') with the snapshot's switches applied. */
export function resolvePolicy(overrides: Partial<SchedulerPolicy> | undefined): PolicySettings {
  const base = policies[overrides?.name ?? defaultPolicyName];
  if (!base) throw new UnknownPolicyError(String(overrides?.name));
  if (!overrides) return base;
  return {
    ...base,
    backfill: overrides.backfill ?? base.backfill,
    preemption: overrides.preemption ?? base.preemption,
    fairShare: overrides.fairShare ?? base.fairShare,
  };
}

/** A snapshot or config names a policy the registry does not hold. */
export class UnknownPolicyError extends ValidationError {
  constructor(readonly policyName: string) {
    super(`unknown scheduling policy "${policyName}" (known: ${Object.keys(policies).join(', ')})`, 'policy.name');
  }
}
