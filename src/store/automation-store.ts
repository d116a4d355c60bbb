/** Automations' part of the Store (see store.ts for the rules every verb keeps; core/automation.ts). */
import type { ActionKind, AutomationRule, Firing, FiringState, RuleSource, StoredRule } from '../core/automation.ts';

export interface NewFiring {
  readonly rule: string;
  /** Exactly one of eventId and scheduledAt. */
  readonly eventId: number | null;
  readonly scheduledAt: number | null;
  readonly action: ActionKind;
  readonly depth: number;
  /** `running` (the action is about to run), or `skipped`/`refused` (ended at once). */
  readonly state: Extract<FiringState, 'running' | 'skipped' | 'refused'>;
  readonly detail: string | null;
  /** The condition's value for this cause (kept for the next causes' windows). */
  readonly value: number | null;
}

export interface FiringOutcome {
  readonly state: Extract<FiringState, 'succeeded' | 'failed'>;
  readonly detail: string;
  readonly madeJobId?: number | null;
  readonly madeDeploymentId?: number | null;
}

export interface FileRulesSync {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

/**
 * Automation rules and their firings. A firing is unique per (rule, event) and per (rule,
 * scheduled time): a cause fires a rule at most once, across restarts. Starting a running firing
 * appends `automation.fired` in its transaction; finishing one appends `automation.finished`.
 * Skipped and refused firings are recorded without an event (so that rules on `automation.*`
 * events cannot loop on refusals).
 */
export interface AutomationStore {
  /** Every rule, by name. */
  listRules(): Promise<StoredRule[]>;
  getRule(name: string): Promise<StoredRule | null>;
  /**
   * Creates or replaces a rule from the API (`enabled` from the rule). ConflictError when the
   * name belongs to the rules file (edit the file instead).
   */
  saveRule(rule: AutomationRule, now: number): Promise<StoredRule>;
  /**
   * Makes the file's rules the stored `file` rules: adds, replaces, removes; an API rule of the
   * same name is taken over by the file. A rule whose `enabled` in the file did not change keeps
   * the state it was toggled to.
   */
  syncFileRules(rules: readonly AutomationRule[], now: number): Promise<FileRulesSync>;
  /** NotFoundError for an unknown name. */
  setRuleEnabled(name: string, enabled: boolean, now: number): Promise<StoredRule>;
  /** NotFoundError for an unknown name; ConflictError for a rule of the file. Firings stay. */
  deleteRule(name: string): Promise<void>;

  /** Records a firing; an existing one for the same cause is returned with `created: false`. */
  beginFiring(firing: NewFiring, now: number): Promise<{ firing: Firing; created: boolean }>;
  /** Ends a running firing (one that ended already is returned as it is). NotFoundError. */
  finishFiring(id: number, outcome: FiringOutcome, now: number): Promise<Firing>;
  /** Newest first. Default limit: 50. */
  listFirings(filter?: { readonly rule?: string; readonly state?: FiringState; readonly limit?: number }): Promise<Firing[]>;
  getFiring(id: number): Promise<Firing | null>;
  /** The firing of a rule for an event, or null. */
  firingFor(rule: string, eventId: number): Promise<Firing | null>;
  /** The last time the rule's action ran (running, succeeded, failed) and how often since `since`. */
  ruleActivity(rule: string, since: number): Promise<{ readonly lastFiredAt: number | null; readonly firedSince: number }>;
  /** The condition values of the rule's last `limit` firings that had one, oldest first. */
  conditionValues(rule: string, limit: number): Promise<number[]>;
  /** The deepest firing that made one of these jobs or this deployment; 0 when none did. */
  madeDepth(made: { readonly jobIds: readonly number[]; readonly deploymentId: number | null }): Promise<number>;
}
