/**
 * The table of the AuditStore (migration `0035_audit_log` in audit-migration.ts), joined to the
 * main schema with `db.withTables` in audit.ts. Times are epoch ms.
 */
import type { Generated } from 'kysely';

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  /** Token id or `session:<id>`; NULL when unauthenticated. */
  caller_id: string | null;
  caller_name: string;
  method: string;
  /** The route pattern. */
  route: string;
  /** Record<string, string> as JSON. */
  params: string;
  status: number;
  ip: string;
  request_id: string;
}

// A type alias, not an interface: `withTables` needs the implicit index signature.
export type AuditSchema = { audit_log: AuditLogTable };
