/**
 * Tables of the EvaluationStore (migration `0021_evaluations` in evaluation-migration.ts), kept
 * beside the main schema and joined to it with `db.withTables` in evaluations.ts. JSON is text,
 * booleans are 0/1, times epoch ms: the same for SQLite and PostgreSQL.
 */
import type { Generated } from 'kysely';

/** One version of a suite definition; versions are never changed or removed. */
export interface EvalSuiteTable {
  name: string;
  version: number;
  /** EvalSuiteSpec as canonical JSON (keys sorted): equal text, equal definition. */
  spec: string;
  created_at: number;
}

/** One evaluation of a checkpoint by a suite version, and the job that runs it. */
export interface EvaluationTable {
  id: Generated<number>;
  suite: string;
  suite_version: number;
  /** The evaluated job (whose checkpoint it is). */
  job_id: number;
  checkpoint_id: number;
  step: number;
  checkpoint_path: string;
  eval_job_id: number;
  trigger: string;
  state: string;
  created_at: number;
  ended_at: number | null;
  /** EvaluationResult as JSON; null while running. */
  result: string | null;
  /** The composite score (also in `result`), for ordering; null without one. */
  score: number | null;
  /** EvaluationOverride as JSON; null when none. */
  override: string | null;
}

// A type alias, not an interface: `withTables` needs the implicit index signature.
export type EvaluationSchema = {
  eval_suites: EvalSuiteTable;
  evaluations: EvaluationTable;
};
