/**
 * The table of the ArtifactStore (migration `0031_artifacts` in artifact-migration.ts), joined
 * to the main schema with `db.withTables` in artifacts.ts. Times are epoch ms.
 */
import type { Generated } from 'kysely';

export interface ArtifactTable {
  id: Generated<number>;
  job_id: number;
  run_id: number;
  name: string;
  /** One of ARTIFACT_KINDS. */
  kind: string;
  /** NULL: no step given. */
  step: number | null;
  media_type: string;
  bytes: number;
  /** Hex; the stored file's name. */
  sha256: string;
  created_at: number;
}

// A type alias, not an interface: `withTables` needs the implicit index signature.
export type ArtifactSchema = { artifacts: ArtifactTable };
