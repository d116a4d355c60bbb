/**
 * The tables of the CurriculumStore (migration `0029_curricula` in curriculum-migration.ts),
 * joined to the main schema with `db.withTables` in curricula.ts. Times are epoch ms.
 */
import type { Generated } from 'kysely';

export interface CurriculumTable {
  name: string;
  /** The spec as JSON (core/curriculum.ts `CurriculumSpec`). */
  spec: string;
  version: number;
  /** Index of the current level. */
  level: number;
  /** active | completed */
  state: string;
  /** The event that (re)entered the current level: the window holds values counted against it. */
  entered_event_id: number;
  entered_at: number;
  created_at: number;
  updated_at: number;
}

export interface CurriculumValueTable {
  /** PRIMARY KEY with evaluation_id. */
  curriculum: string;
  evaluation_id: number;
  entered_event_id: number;
  job_id: number;
  event_id: number;
  value: number;
  at: number;
}

export interface CurriculumHistoryTable {
  id: Generated<number>;
  curriculum: string;
  from_level: number;
  to_level: number;
  from_name: string;
  to_name: string;
  /** promote | demote | set */
  direction: string;
  reason: string;
  /** JSON array of numbers. */
  values: string;
  /** 0 or 1. */
  completed: number;
  /** UNIQUE with curriculum (NULL for manual moves). */
  cause_event_id: number | null;
  by: string;
  at: number;
}

// Type aliases, not interfaces: `withTables` needs the implicit index signature.
export type CurriculumSchema = { curricula: CurriculumTable; curriculum_values: CurriculumValueTable; curriculum_history: CurriculumHistoryTable };
