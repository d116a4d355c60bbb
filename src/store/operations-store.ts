/** Operations' part of the Store: backup, readiness and `/metrics` (docs/operations.md). */

/** A durable subscriber's cursor in the event log (operations: lag). */
export interface EventCursor {
  readonly subscriber: string;
  /** The last event id it acknowledged. */
  readonly lastId: number;
  /** When it last acknowledged (epoch ms). */
  readonly updatedAt: number;
}

/** What operations (backup, readiness, `/metrics`) read of the store (docs/operations.md). */
export interface OperationsStore {
  /**
   * Writes a consistent copy of the whole database to `destPath` (a new file) while the store
   * stays in use: writes made during the copy are either all in it or all after it.
   */
  backupDatabase(destPath: string): Promise<void>;
  /** Every durable subscriber's cursor, by name. */
  listEventCursors(): Promise<EventCursor[]>;
  /** The number of jobs in each state (states with none are absent). */
  countJobsByState(): Promise<Record<string, number>>;
}
