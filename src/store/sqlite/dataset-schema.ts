/**
 * Tables of the DatasetStore (migration `0005_datasets` in dataset-migration.ts), kept beside
 * the main schema and joined to it with `db.withTables` in datasets.ts. JSON is text, booleans
 * are 0/1, times epoch ms: the same for SQLite and PostgreSQL.
 */
import type { Generated } from 'kysely';

/** One immutable, content-addressed version of a named dataset. */
export interface DatasetVersionTable {
  id: Generated<number>;
  name: string;
  /** 1, 2, … per name. */
  version: number;
  sha256: string;
  format: string;
  bytes: number;
  files: number;
  rows: number;
  /** 1 once a standard or deep validation counted every row. */
  rows_exact: number;
  source: string;
  /** Where the content is stored, relative to the data directory's `datasets/`. */
  path: string;
  created_at: number;
}

export interface DatasetValidationTable {
  id: Generated<number>;
  version_id: number;
  level: string;
  passed: number;
  errors: number;
  warnings: number;
  /** Record<ValidationLevel, number> as JSON. */
  errors_by_level: string;
  /** EvalSetResult[] as JSON. */
  eval_sets: string;
  summary: string;
  /** ValidationReport as JSON. */
  report: string;
  created_at: number;
}

/** Lineage: a run read a version in a role. */
export interface DatasetUseTable {
  version_id: number;
  run_id: number;
  job_id: number;
  role: string;
  created_at: number;
}

/** User-defined formats (JSON Schema plus rules), immutable once registered. */
export interface DatasetFormatTable {
  name: string;
  /** FormatDefinition as JSON. */
  definition: string;
  sha256: string;
  created_at: number;
}

// A type alias, not an interface: `withTables` needs the implicit index signature.
export type DatasetSchema = {
  dataset_versions: DatasetVersionTable;
  dataset_validations: DatasetValidationTable;
  dataset_uses: DatasetUseTable;
  dataset_formats: DatasetFormatTable;
};
