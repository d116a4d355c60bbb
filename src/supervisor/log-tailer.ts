/**
 * Follows a run's log file from a byte offset and hands over complete lines only, with the
 * offset just past them, so a consumer that saves the offset with what it did never applies a
 * line twice or skips one, across server restarts too.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export interface LogTailer {
  /** Reads what is new now (also called by the poll timer). Resolves after `onLines` settles. */
  poll(): Promise<void>;
  /** Reads to the end one last time (a trailing partial line is delivered too) and stops. */
  close(): Promise<void>;
  /** Stops without reading on (another server will, from the offset it finds stored). */
  detach(): Promise<void>;
}

export interface LogTailerOptions {
  readonly path: string;
  readonly offset: number;
  /** Called with complete lines (newline-terminated, UTF-8) and the byte offset after them. */
  readonly onLines: (text: string, offsetAfter: number) => Promise<void>;
  /** Default: 200 ms. */
  readonly pollMs?: number;
  /** A line longer than this is delivered in pieces. Default: 1 MiB. */
  readonly maxLineBytes?: number;
}

export function createLogTailer(options: LogTailerOptions): LogTailer {
  const maxLine = options.maxLineBytes ?? 1 << 20;
  const buffer = Buffer.alloc(Math.max(maxLine, 64 * 1024));
  let offset = options.offset;
  let busy: Promise<void> = Promise.resolve();
  let closed = false;
  const timer = setInterval(() => void poll(), options.pollMs ?? 200);
  timer.unref();

  function poll(final = false): Promise<void> {
    busy = busy.then(() => readNew(final)).catch(() => {});
    return busy;
  }

  async function readNew(final: boolean): Promise<void> {
    let fd: number;
    try {
      fd = openSync(options.path, 'r');
    } catch {
      return; // not created yet
    }
    try {
      for (;;) {
        const n = readSync(fd, buffer, 0, buffer.length, offset);
        if (n === 0) return;
        let end = buffer.lastIndexOf(10, n - 1) + 1; // after the last '\n'
        if (end === 0) {
          if (n < maxLine && !final) return; // wait for the rest of the line
          end = n;
        }
        // Never cut a UTF-8 sequence in two when delivering a partial line.
        if (buffer[end - 1] !== 10 && end < n) while (end > 1 && (buffer[end] & 0xc0) === 0x80) end--;
        offset += end;
        await options.onLines(buffer.toString('utf8', 0, end), offset);
      }
    } finally {
      closeSync(fd);
    }
  }

  return {
    poll: () => poll(),
    async close() {
      if (closed) return busy;
      closed = true;
      clearInterval(timer);
      return poll(true);
    },
    async detach() {
      closed = true;
      clearInterval(timer);
      return busy;
    },
  };
}
