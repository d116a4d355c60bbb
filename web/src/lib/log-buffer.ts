/**
 * The tail of a run's log as lines, fed by byte ranges (the log route) and by live `log`
 * events; keeps the last `max` lines. Pure.
 */

export interface LogBuffer {
  /** Complete lines, oldest first. */
  readonly lines: readonly string[];
  /** Text after the last newline (a line still being written). */
  readonly partial: string;
  /** Byte offset in the log just after what this buffer holds. */
  readonly offset: number;
  /** Lines dropped from the front to stay within the limit. */
  readonly dropped: number;
}

export const EMPTY_LOG: LogBuffer = Object.freeze({ lines: [], partial: '', offset: 0, dropped: 0 });

/** Default: the last 5,000 lines. */
export const MAX_LINES = 5000;

const encoder = new TextEncoder();

export function byteLength(text: string): number {
  return encoder.encode(text).byteLength;
}

/** Appends `text`, which ends at byte `offset` of the log. */
export function appendLog(buffer: LogBuffer, text: string, offset: number, max = MAX_LINES): LogBuffer {
  const parts = (buffer.partial + text).split('\n');
  const partial = parts.pop() ?? '';
  let lines = buffer.lines.length === 0 ? parts : [...buffer.lines, ...parts];
  let dropped = buffer.dropped;
  if (lines.length > max) {
    dropped += lines.length - max;
    lines = lines.slice(lines.length - max);
  }
  return { lines, partial, offset, dropped };
}

/**
 * What to do with a live event of `text` ending at `eventOffset`: append it when it starts
 * where the buffer ends, read the gap from the server when it starts later, ignore it when the
 * buffer already holds it.
 */
export function planLogEvent(buffer: LogBuffer, text: string, eventOffset: number): 'append' | 'fetch' | 'ignore' {
  if (eventOffset <= buffer.offset) return 'ignore';
  return eventOffset - byteLength(text) === buffer.offset ? 'append' : 'fetch';
}

/** Lines containing `query` (case-insensitive), with their line numbers counted from 1. */
export function searchLog(buffer: LogBuffer, query: string): Array<{ n: number; line: string }> {
  const q = query.toLowerCase();
  const out: Array<{ n: number; line: string }> = [];
  buffer.lines.forEach((line, i) => {
    if (line.toLowerCase().includes(q)) out.push({ n: buffer.dropped + i + 1, line });
  });
  return out;
}
