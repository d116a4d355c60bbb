/**
 * Retention of old events and run logs (docs/operations.md#retention): what a pass of the
 * server's retention timer may delete. Pure: the caller reads the cursors, sizes and clock and
 * carries the decision out (operations/retention.ts).
 *
 * Terms:
 * - **delivered**: an event whose id is at or below every durable subscriber's cursor
 *   (control/event-log.ts). An event some subscriber has not handled yet is never deleted,
 *   however old: retention waits for the slowest subscriber.
 * - **old**: appended (`at`) before `now - maxAgeMs`.
 * - a run log is trimmed to its last bytes once its job ended (succeeded, failed, stopped)
 *   more than the log age ago; logs of jobs that may run again are left alone.
 */

/** What retention keeps. Times are milliseconds. */
export interface RetentionSettings {
  /** Events older than this and delivered go. Null: events are kept for ever. Default: 30 days. */
  readonly eventMaxAgeMs: number | null;
  /** Logs of jobs ended longer ago than this are trimmed. Null: logs are kept whole. Default: null. */
  readonly logMaxAgeMs: number | null;
  /** How much of a trimmed log's end stays. Default: 64 KiB. */
  readonly logKeepBytes: number;
  /** How often a pass runs. Default: 1 hour. */
  readonly intervalMs: number;
}

export const DAY_MS = 86_400_000;

/** The defaults, each with its reason. */
export const DEFAULT_RETENTION: RetentionSettings = Object.freeze({
  // A month of history covers the questions people ask of events ("what happened last week")
  // and keeps the table to a few hundred thousand rows on a busy server.
  eventMaxAgeMs: 30 * DAY_MS,
  // Logs are the users' own output: trimming them must be asked for.
  logMaxAgeMs: null,
  // Enough for the traceback and last lines a person reads of a finished run.
  logKeepBytes: 64 * 1024,
  // Events age by days: an hourly pass keeps the table within an hour of the policy.
  intervalMs: 3_600_000,
});

/** Events deleted per statement, and statements per pass: a pass never holds the writer long. */
export const EVENT_DELETE_BATCH = 1_000;
export const EVENT_DELETE_BATCHES_PER_PASS = 100;

export interface SubscriberCursor {
  readonly subscriber: string;
  /** The last event id it acknowledged. */
  readonly lastId: number;
}

export type EventRetentionDecision =
  | { readonly action: 'keep'; readonly reason: string }
  | {
    readonly action: 'delete';
    /** Delete events appended before this time … */
    readonly before: number;
    /** … whose id is at most this (every subscriber has handled them). */
    readonly upToId: number;
    /** The subscriber with the lowest cursor (it bounds `upToId`); null when there is none. */
    readonly heldBy: string | null;
  };

/**
 * Which events a pass may delete. `cursors` are the stored cursors (every one counts, even of
 * a subscriber this server no longer runs); `subscribers` are those this server runs: one with
 * no stored cursor yet may want the log from its beginning, so nothing goes until it stored one.
 */
export function decideEventRetention(input: {
  readonly now: number;
  readonly maxAgeMs: number | null;
  readonly cursors: readonly SubscriberCursor[];
  readonly subscribers: readonly string[];
}): EventRetentionDecision {
  if (input.maxAgeMs === null) return { action: 'keep', reason: 'event retention is off' };
  const stored = new Set(input.cursors.map((c) => c.subscriber));
  const unread = input.subscribers.filter((s) => !stored.has(s)).sort();
  if (unread.length > 0) return { action: 'keep', reason: `subscriber ${unread[0]} has not stored a cursor yet` };
  let slowest: SubscriberCursor | null = null;
  for (const c of input.cursors) if (slowest === null || c.lastId < slowest.lastId) slowest = c;
  return {
    action: 'delete',
    before: input.now - input.maxAgeMs,
    upToId: slowest === null ? Number.MAX_SAFE_INTEGER : slowest.lastId,
    heldBy: slowest?.subscriber ?? null,
  };
}

/** A run log as a pass finds it. */
export interface RunLogFile {
  readonly path: string;
  /** Its size in bytes now. */
  readonly size: number;
  /** When its job ended (epoch ms). */
  readonly jobEndedAt: number;
}

/** A log to trim: bytes before `cut` go (the caller moves `cut` to a line start, `lineStart`). */
export interface LogTrim {
  readonly path: string;
  readonly cut: number;
  readonly size: number;
}

/**
 * Whether a log is trimmed: its job ended before `now - logMaxAgeMs` and it holds more than
 * `logKeepBytes` plus a header's worth. A trimmed log is no longer than that, so a second pass
 * leaves it alone.
 */
export function planLogTrim(file: RunLogFile, settings: Pick<RetentionSettings, 'logMaxAgeMs' | 'logKeepBytes'>, now: number): LogTrim | null {
  if (settings.logMaxAgeMs === null) return null;
  if (file.jobEndedAt >= now - settings.logMaxAgeMs) return null;
  if (file.size <= settings.logKeepBytes + LOG_TRIM_SLACK) return null;
  return { path: file.path, cut: file.size - settings.logKeepBytes, size: file.size };
}

/**
 * Where the kept part starts: after the first line break in `chunk` (the bytes from `cut` on),
 * so it opens with a whole line; at `cut` when there is none in the chunk.
 */
export function lineStart(cut: number, chunk: Uint8Array): number {
  const newline = chunk.indexOf(0x0a);
  return newline >= 0 ? cut + newline + 1 : cut;
}

/** Room left for the header line above `logKeepBytes`, so a trimmed log is not trimmed again. */
export const LOG_TRIM_SLACK = 4_096;

export function trimHeader(removed: number, size: number): string {
  return `[trainyard] log trimmed by retention: the first ${removed} of ${size} bytes were removed (TRAINYARD_LOG_RETENTION)\n`;
}

/**
 * Parses an age such as `30d`, `12h`, `90m`, `45s` or `off` (null). Returns the milliseconds,
 * null for `off`, or a string saying what was expected.
 */
export function parseRetentionAge(text: string): number | null | string {
  const t = text.trim();
  if (t === 'off') return null;
  const m = /^(\d+(?:\.\d+)?)\s*(d|h|m|s)$/.exec(t);
  if (!m) return `an age like 30d, 12h, 90m or 45s, or off, not ${JSON.stringify(text)}`;
  const value = Number(m[1]) * { d: DAY_MS, h: 3_600_000, m: 60_000, s: 1_000 }[m[2] as 'd' | 'h' | 'm' | 's'];
  if (!(value > 0)) return `an age above 0, not ${JSON.stringify(text)}`;
  return value;
}
