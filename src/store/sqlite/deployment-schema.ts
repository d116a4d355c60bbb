/**
 * Tables of the DeploymentStore (migration `0024_deployments` in deployment-migration.ts),
 * joined to the main schema with `db.withTables` in deployments.ts. JSON is text, times are
 * epoch ms. Targets and deployments name models and targets by name (a removed target keeps
 * its history).
 */
import type { Generated } from 'kysely';

export interface DeployTargetTable {
  name: string;
  kind: string;
  model: string;
  alias: string;
  /** Record<string, unknown> as JSON. */
  config: string;
  /** SmokeCheck as JSON; NULL: none. */
  smoke: string | null;
  /** WatchPolicy as JSON. */
  watch: string;
  /** The version it serves (its last successful deployment); NULL before the first. */
  current_version: number | null;
  current_checkpoint_id: number | null;
  current_deployment_id: number | null;
  current_since: number | null;
  created_at: number;
  updated_at: number;
}

export interface DeploymentTable {
  id: Generated<number>;
  target: string;
  model: string;
  version: number;
  checkpoint_id: number;
  previous_version: number | null;
  /** The previous version's checkpoint: retention keeps it while the deployment may revert to it. */
  previous_checkpoint_id: number | null;
  state: string;
  /** Partial<Record<DeploymentState, number>> as JSON. */
  steps: string;
  reason: string | null;
  failed_step: string | null;
  cause: string | null;
  requested_by: string;
  /** DeploymentAliasMove as JSON; NULL: none. */
  move_alias: string | null;
  created_at: number;
  ended_at: number | null;
}

// A type alias, not an interface: `withTables` needs the implicit index signature.
export type DeploymentTables = {
  deploy_targets: DeployTargetTable;
  deployments: DeploymentTable;
};
