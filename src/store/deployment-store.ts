/** Deploy targets and deployments: their part of the Store (see store.ts for the rules every verb keeps). */
import type { Deployment, DeploymentAliasMove, DeploymentState, DeploymentStep, DeployTargetSpec, DeployTargetState } from '../core/deployment.ts';

/** A deployment to request. */
export interface NewDeployment {
  readonly target: string;
  readonly model: string;
  readonly version: number;
  /** A token's name, or `system`. */
  readonly requestedBy: string;
  /** Why ("promotion rule: …", "rollback: …"). Default: null. */
  readonly cause?: string | null;
  /** The alias move to make on success. Default: null (none). */
  readonly moveAlias?: DeploymentAliasMove | null;
}

/** How a deployment ended. */
export type DeploymentEnd =
  | { readonly state: 'succeeded'; readonly note?: string | null }
  | { readonly state: 'rolled-back' | 'failed'; readonly reason: string; readonly step: DeploymentStep };

export interface DeploymentFilter {
  readonly target?: string;
  readonly model?: string;
  /** Newest first, at most this many. Default: 100. */
  readonly limit?: number;
}

/**
 * Deploy targets (declared endpoints that follow one alias of one model) and deployments (a
 * version moved onto a target as a transaction: core/deployment.ts). Each change appends its
 * event in its transaction: `deploy_target.saved`, `deploy_target.removed`,
 * `deployment.requested`, `deployment.progressed`, `deployment.finished` (and
 * `model.alias_moved` when a finish moves an alias).
 */
export interface DeploymentStore {
  /** Creates or replaces a target's spec (its current version stays). Throws NotFoundError for an unknown model. */
  saveDeployTarget(spec: DeployTargetSpec, by: string, now: number): Promise<DeployTargetState>;
  getDeployTarget(name: string): Promise<DeployTargetState | null>;
  /** By name. */
  listDeployTargets(): Promise<DeployTargetState[]>;
  /** Throws NotFoundError, or ConflictError while a deployment on it is in flight. Its history stays. */
  removeDeployTarget(name: string, by: string, now: number): Promise<void>;
  /**
   * Records a deployment in state `requested`, with what the target serves now as its
   * `previousVersion`. Throws NotFoundError (target, model version), ValidationError when the
   * version is not of the target's model, ConflictError while another deployment on the
   * target is in flight.
   */
  requestDeployment(request: NewDeployment, now: number): Promise<Deployment>;
  getDeployment(id: number): Promise<Deployment | null>;
  /**
   * Moves an in-flight deployment to a running state (`staging` … `watching`, again from
   * `staging` after a restart) and appends `deployment.progressed`. A final deployment is
   * returned unchanged. Throws NotFoundError.
   */
  advanceDeployment(id: number, state: Exclude<DeploymentState, 'requested' | 'succeeded' | 'rolled-back' | 'failed'>, now: number): Promise<Deployment>;
  /**
   * Ends a deployment with `deployment.finished`, in one transaction:
   * - `succeeded`: the target's current version becomes the deployment's, and its `moveAlias`
   *   is made (compare-and-set on `expectedFrom`, with its history entry and
   *   `model.alias_moved`; an alias moved meanwhile by someone else is left alone and the
   *   deployment's reason says so), so alias and target never disagree after a crash.
   * - `rolled-back`: the target serves its previous version again; when the target's alias
   *   points at the version that failed (it was moved there first and the target followed),
   *   the alias moves back to the version the target serves, as `system`, with the reason.
   * - `failed`: the revert failed too; nothing else changes.
   * A deployment already final is returned unchanged (at-least-once callers).
   */
  finishDeployment(id: number, end: DeploymentEnd, now: number): Promise<Deployment>;
  /** Newest first. */
  listDeployments(filter?: DeploymentFilter): Promise<Deployment[]>;
  /** Deployments not yet final, oldest first (what a restarted deployer runs again). */
  inFlightDeployments(): Promise<Deployment[]>;
  /** Per target name: the version serving now (null: none yet). */
  currentDeployments(): Promise<Map<string, { readonly model: string; readonly version: number; readonly checkpointId: number } | null>>;
  /**
   * The checkpoints of a job that deployments need, each with why: one a target serves
   * ("deployed on serve (char-lm v3)"), one an in-flight deployment stages or reverts to.
   * Retention must not delete their files.
   */
  deploymentProtections(jobId: number): Promise<Map<number, string[]>>;
}
