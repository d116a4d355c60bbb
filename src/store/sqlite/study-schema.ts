/**
 * The tables of the StudyStore (migration `0030_studies` in study-migration.ts), joined to the
 * main schema with `db.withTables` in studies.ts. Times are epoch ms.
 */
import type { Generated } from 'kysely';

export interface StudyTable {
  id: Generated<number>;
  /** UNIQUE. */
  name: string;
  /** The spec as JSON (core/study.ts `StudySpec`). */
  spec: string;
  /** running | paused | completed | stopped */
  state: string;
  reason: string | null;
  trial_count: number;
  parallelism: number;
  /** The circuit breaker counts trials that ended after this (creation, then each resume). */
  breaker_since: number;
  created_at: number;
  updated_at: number;
}

export interface StudyTrialTable {
  /** PRIMARY KEY with idx. */
  study_id: number;
  idx: number;
  /** The variant's params as JSON. */
  params: string;
  seed: number | null;
  grp: number;
  /** UNIQUE; null until launched (set in the transaction that creates the job). */
  job_id: number | null;
  launched_at: number | null;
  /** The early-stopping decision last recorded (core/study-record.ts `TrialDecision`) as JSON. */
  decision: string | null;
  /** Its step (the rung), for the "never the same rung twice" guard. */
  decision_step: number | null;
  /** 1 when early stopping paused the trial's job (ASHA `action: pause`): it holds no slot while paused. */
  held: number;
}

export type StudySchema = { studies: StudyTable; study_trials: StudyTrialTable };
