/**
 * Tables of the RegistryStore (migration `0020_registry` in registry-migration.ts), kept beside
 * the main schema and joined to it with `db.withTables` in registry.ts. JSON is text, times are
 * epoch ms: the same for SQLite and PostgreSQL.
 */
import type { Generated } from 'kysely';

export interface ModelTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  /** string[] as JSON. */
  tags: string;
  /** PromotionRule as JSON; NULL: no automatic promotion. */
  promotion_rule: string | null;
  created_at: number;
  created_by: string;
  updated_at: number;
}

/** One checkpoint registered under a model; (model_id, version) and (model_id, checkpoint_id) are unique. */
export interface ModelVersionTable {
  id: Generated<number>;
  model_id: number;
  /** 1, 2, … per model. */
  version: number;
  checkpoint_id: number;
  notes: string | null;
  /** string[] as JSON. */
  tags: string;
  /** VersionLineage as JSON, as it was when the version was made. */
  lineage: string;
  created_at: number;
  created_by: string;
  updated_at: number;
}

/** Where each alias points now; `latest` is never a row. */
export interface ModelAliasTable {
  model_id: number;
  alias: string;
  version_id: number;
  moved_at: number;
  moved_by: string;
  reason: string | null;
}

/** The append-only alias history: rows are inserted, never updated or deleted. */
export interface ModelAliasMoveTable {
  id: Generated<number>;
  model_id: number;
  alias: string;
  /** Version numbers; NULL: unset before (from) or deleted (to). */
  from_version: number | null;
  to_version: number | null;
  by: string;
  reason: string | null;
  at: number;
}

// A type alias, not an interface: `withTables` needs the implicit index signature.
export type RegistryTables = {
  models: ModelTable;
  model_versions: ModelVersionTable;
  model_aliases: ModelAliasTable;
  model_alias_moves: ModelAliasMoveTable;
};
