/**
 * The tables of the AutomationStore (migration `0026_automations` in automation-migration.ts),
 * joined to the main schema with `db.withTables` in automations.ts. Times are epoch ms.
 */
import type { Generated } from 'kysely';

export interface AutomationRuleTable {
  name: string;
  /** The rule as JSON (core/automation.ts `AutomationRule`). */
  spec: string;
  /** 0 or 1; toggled apart from the spec. */
  enabled: number;
  /** `file` or `api`. */
  source: string;
  updated_at: number;
}

export interface AutomationFiringTable {
  id: Generated<number>;
  rule: string;
  /** UNIQUE with rule (NULL for scheduled firings). */
  event_id: number | null;
  /** UNIQUE with rule (NULL for firings of events). */
  scheduled_at: number | null;
  action: string;
  /** running | succeeded | failed | refused | skipped */
  state: string;
  detail: string | null;
  value: number | null;
  made_job_id: number | null;
  made_deployment_id: number | null;
  depth: number;
  started_at: number;
  ended_at: number | null;
}

// Type aliases, not interfaces: `withTables` needs the implicit index signature.
export type AutomationSchema = { automation_rules: AutomationRuleTable; automation_firings: AutomationFiringTable };
