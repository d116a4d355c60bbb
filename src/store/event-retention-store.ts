/** Retention of old events and run logs: its part of the Store (docs/operations.md#retention). */

/** The event table's size and its oldest row (doctor, the soak benchmark). */
export interface EventTableStats {
  readonly rows: number;
  /** The oldest event still kept; null when the table is empty. */
  readonly oldest: { readonly id: number; readonly at: number } | null;
}

/** A job that ended, with the logs of its runs. */
export interface EndedJobLogs {
  readonly jobId: number;
  /** When it ended (epoch ms). */
  readonly endedAt: number;
  /** Its runs' log files, oldest run first. */
  readonly logPaths: readonly string[];
}

export interface EventRetentionStore {
  /**
   * Deletes at most `limit` events appended before `before` whose id is at most `upToId`,
   * oldest first, in one transaction; returns how many went. The caller bounds `upToId` by
   * every subscriber's cursor (core/retention-events.ts): the store does not look at cursors.
   */
  deleteOldEvents(filter: { readonly before: number; readonly upToId: number; readonly limit: number }): Promise<number>;
  eventTableStats(): Promise<EventTableStats>;
  /**
   * Jobs in an end state (succeeded, failed, stopped) that ended before `endedBefore`, ordered
   * by (end time, id), after the `after` position; at most `limit`.
   */
  listEndedJobLogs(page: {
    readonly endedBefore: number;
    readonly after: { readonly endedAt: number; readonly jobId: number } | null;
    readonly limit: number;
  }): Promise<EndedJobLogs[]>;
}
