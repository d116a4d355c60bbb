/**
 * The server's retention timer (docs/operations.md#retention): every `intervalMs` a pass
 * deletes old events every durable subscriber has handled, in bounded batches, and trims the
 * logs of jobs that ended long ago (when asked to). What may go is decided by
 * core/retention-events.ts; this file reads the inputs and carries the decision out.
 *
 * Pass: cursors + running subscribers → decide → delete ≤ 1,000 events per statement, ≤ 100
 * statements, yielding between them → ended jobs since the last pass → trim each log (tail
 * copied to `<log>.trim`, renamed over the log: a crash leaves the whole log or the trimmed one).
 */
import { closeSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import {
  decideEventRetention,
  EVENT_DELETE_BATCH,
  EVENT_DELETE_BATCHES_PER_PASS,
  lineStart,
  planLogTrim,
  type RetentionSettings,
  trimHeader,
} from '../core/retention-events.ts';
import type { Store } from '../store/store.ts';

export type RetentionStore = Pick<Store, 'listEventCursors' | 'deleteOldEvents' | 'listEndedJobLogs'>;

export interface RetentionOptions {
  readonly store: RetentionStore;
  readonly settings: RetentionSettings;
  /** The durable subscribers this server runs (control.events.subscribers()). */
  readonly subscribers: () => readonly string[];
  readonly now: () => number;
  readonly log: (line: string) => void;
}

/** What one pass did. */
export interface RetentionPass {
  readonly eventsDeleted: number;
  /** Why no event could go, when none could (retention off, a subscriber without a cursor). */
  readonly eventsKept: string | null;
  /** The subscriber whose cursor bounded the deletion, if any. */
  readonly heldBy: string | null;
  /** Events appended before this time (epoch ms) were old; null when none could go. */
  readonly before: number | null;
  readonly logsTrimmed: number;
  readonly logBytesFreed: number;
}

export interface Retention {
  /** One pass now (a pass already running is waited for instead). */
  runOnce(): Promise<RetentionPass>;
  /** Runs a pass every `intervalMs`, the first after `min(intervalMs, 1 minute)`. */
  start(): void;
  /** Stops the timer; resolves once a pass in flight ended. */
  close(): Promise<void>;
}

/** Ended jobs read per query, and queries per pass. */
const JOB_PAGE = 200;
const JOB_PAGES_PER_PASS = 50;
/** Bytes read at the cut to find the next line start. */
const LINE_PROBE = 4_096;

export function createRetention(options: RetentionOptions): Retention {
  const { store, settings } = options;
  // Where the scan of ended jobs got to: each pass reads only the jobs that ended since.
  let logPosition: { endedAt: number; jobId: number } | null = null;
  let inFlight: Promise<RetentionPass> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  async function deleteEvents(): Promise<Pick<RetentionPass, 'eventsDeleted' | 'eventsKept' | 'heldBy' | 'before'>> {
    const cursors = await store.listEventCursors();
    const decision = decideEventRetention({ now: options.now(), maxAgeMs: settings.eventMaxAgeMs, cursors, subscribers: options.subscribers() });
    if (decision.action === 'keep') return { eventsDeleted: 0, eventsKept: decision.reason, heldBy: null, before: null };
    let deleted = 0;
    for (let i = 0; i < EVENT_DELETE_BATCHES_PER_PASS && !closed; i++) {
      const n = await store.deleteOldEvents({ before: decision.before, upToId: decision.upToId, limit: EVENT_DELETE_BATCH });
      deleted += n;
      if (n < EVENT_DELETE_BATCH) break;
      await yieldToLoop(); // requests and subscribers go on between batches
    }
    return { eventsDeleted: deleted, eventsKept: null, heldBy: decision.heldBy, before: decision.before };
  }

  async function trimLogs(): Promise<Pick<RetentionPass, 'logsTrimmed' | 'logBytesFreed'>> {
    if (settings.logMaxAgeMs === null) return { logsTrimmed: 0, logBytesFreed: 0 };
    const now = options.now();
    let trimmed = 0;
    let freed = 0;
    for (let page = 0; page < JOB_PAGES_PER_PASS && !closed; page++) {
      const jobs = await store.listEndedJobLogs({ endedBefore: now - settings.logMaxAgeMs, after: logPosition, limit: JOB_PAGE });
      for (const job of jobs) {
        for (const path of job.logPaths) {
          try {
            const saved = trimLog(path, job.endedAt, now);
            if (saved > 0) {
              trimmed++;
              freed += saved;
            }
          } catch (error) {
            options.log(`retention: could not trim ${path}: ${(error as Error).message}`);
          }
        }
        logPosition = { endedAt: job.endedAt, jobId: job.jobId };
      }
      if (jobs.length < JOB_PAGE) break;
      await yieldToLoop();
    }
    return { logsTrimmed: trimmed, logBytesFreed: freed };
  }

  /** Trims one log when the policy says so; returns the bytes freed (0: left alone). */
  function trimLog(path: string, jobEndedAt: number, now: number): number {
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      return 0; // no log (a run that never started), or removed by hand
    }
    const plan = planLogTrim({ path, size, jobEndedAt }, settings, now);
    if (!plan) return 0;
    const fd = openSync(path, 'r');
    let tail: Buffer;
    try {
      const probe = Buffer.alloc(Math.min(LINE_PROBE, size - plan.cut));
      readSync(fd, probe, 0, probe.length, plan.cut);
      const keepFrom = lineStart(plan.cut, probe);
      tail = Buffer.alloc(size - keepFrom);
      readSync(fd, tail, 0, tail.length, keepFrom);
      tail = Buffer.concat([Buffer.from(trimHeader(keepFrom, size)), tail]);
    } finally {
      closeSync(fd);
    }
    const temp = `${path}.trim`;
    try {
      writeFileSync(temp, tail);
      renameSync(temp, path);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
    return size - tail.length;
  }

  async function pass(): Promise<RetentionPass> {
    const events = await deleteEvents();
    const logs = await trimLogs();
    const result = { ...events, ...logs };
    const done: string[] = [];
    if (result.eventsDeleted > 0) done.push(`deleted ${result.eventsDeleted} delivered events appended before ${new Date(result.before!).toISOString()}${result.heldBy ? ` (subscriber ${result.heldBy} is the furthest behind)` : ''}`);
    if (result.logsTrimmed > 0) done.push(`trimmed ${result.logsTrimmed} logs (${result.logBytesFreed} bytes freed)`);
    if (done.length > 0) options.log(`retention: ${done.join('; ')}`);
    return result;
  }

  function runOnce(): Promise<RetentionPass> {
    inFlight ??= pass().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  function tick(): void {
    if (closed) return;
    runOnce().catch((error: unknown) => options.log(`retention: pass failed: ${String((error as Error)?.stack ?? error)}`));
  }

  return {
    runOnce,
    start() {
      if (timer || closed) return;
      timer = setTimeout(() => {
        tick();
        timer = setInterval(tick, settings.intervalMs);
        timer.unref();
      }, Math.min(settings.intervalMs, 60_000));
      timer.unref();
    },
    async close() {
      closed = true;
      if (timer) {
        clearTimeout(timer);
        clearInterval(timer);
      }
      await inFlight?.catch(() => undefined);
    },
  };
}
