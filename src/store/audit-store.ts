/** The audit log's part of the Store (docs/audit.md; see store.ts for the rules every verb keeps). */
import type { AuditEntry, AuditQuery, NewAuditEntry } from '../core/audit.ts';

export type { AuditEntry, AuditQuery, NewAuditEntry } from '../core/audit.ts';

/**
 * Who changed what, when, from where: one row per audited request, written after its response.
 * Entries are a record of requests, not domain state: writing one appends no event (the
 * change it made already did).
 */
export interface AuditStore {
  /** Appends one entry; returns it with its id (ids grow with insertion order). */
  recordAuditEntry(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Entries matching every filter given, newest (largest id) first; `limit` default 100. */
  listAuditEntries(query: AuditQuery): Promise<AuditEntry[]>;
  /** Deletes the entries recorded before `before` (epoch ms); returns how many went. */
  pruneAuditEntries(before: number): Promise<number>;
}
