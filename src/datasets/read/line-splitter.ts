/**
 * Cuts a byte stream into lines without decoding it: LF or CRLF endings, a UTF-8 BOM skipped,
 * a last line without a newline flagged, and a line longer than `maxLineBytes` skipped (only its
 * length is reported) so that memory stays bounded whatever the input. Pure: bytes in, lines out.
 */

export interface RawLine {
  /** Holds the line's bytes at [start, end); empty for a skipped line. */
  readonly buf: Buffer;
  readonly start: number;
  /** Excludes the newline and a CR before it. */
  readonly end: number;
  /** 1-based. */
  readonly number: number;
  /** Byte offset of the line's start in the stream (after a BOM: still counted). */
  readonly offset: number;
  /** Ended with CRLF. */
  readonly crlf: boolean;
  /** False for a last line without a newline. */
  readonly terminated: boolean;
  /** For a line over the limit: its length in bytes (the bytes themselves are dropped); else 0. */
  readonly skippedBytes: number;
}

export interface LineSplitter {
  push(chunk: Buffer): void;
  /** Flushes the last line (if the stream did not end with a newline). */
  end(): void;
  /** Whether the stream started with a UTF-8 byte-order mark. */
  readonly bom: boolean;
  /** Bytes seen so far. */
  readonly bytes: number;
  readonly lines: number;
  /** Bytes of the line under way (not ended yet), skipped ones included; 0 at a line start. */
  readonly partialBytes: number;
  /** Stream offset where the line under way starts (where the next line starts, at a line start). */
  readonly partialOffset: number;
}

export interface LineSplitterOptions {
  /** The stream is a file's start: a UTF-8 BOM there is skipped. False for a read from the
   * middle of a file (depth quick's windows). Default: true. */
  readonly fileStart?: boolean;
}

const LF = 0x0a;
const CR = 0x0d;

export function createLineSplitter(maxLineBytes: number, onLine: (line: RawLine) => void, options: LineSplitterOptions = {}): LineSplitter {
  let carry: Buffer[] = [];
  let carryBytes = 0;
  /** Bytes of a too-long line skipped so far; -1 when not skipping. */
  let skipping = -1;
  let lineStart = 0;
  let streamOffset = 0;
  let number = 0;
  let first = options.fileStart ?? true;
  let bom = false;

  function emit(buf: Buffer, start: number, nl: number, terminated: boolean): void {
    let end = nl;
    const crlf = end > start && buf[end - 1] === CR && terminated;
    if (crlf) end--;
    onLine({ buf, start, end, number: ++number, offset: lineStart, crlf, terminated, skippedBytes: 0 });
  }

  function emitSkipped(length: number, terminated: boolean): void {
    onLine({ buf: EMPTY, start: 0, end: 0, number: ++number, offset: lineStart, crlf: false, terminated, skippedBytes: length });
  }

  return {
    push(chunk) {
      let pos = 0;
      if (first && chunk.length > 0) {
        first = false;
        if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
          bom = true;
          pos = 3;
          lineStart = 3;
        }
      }
      const base = streamOffset;
      streamOffset += chunk.length;
      // Finish a line carried over from earlier chunks (or a skipped one).
      if (carryBytes > 0 || skipping >= 0) {
        const nl = chunk.indexOf(LF, pos);
        if (nl === -1) {
          if (skipping >= 0) skipping += chunk.length - pos;
          else appendCarry(chunk.subarray(pos));
          return;
        }
        if (skipping >= 0) {
          emitSkipped(skipping + nl - pos, true);
          skipping = -1;
        } else if (carryBytes + nl - pos > maxLineBytes) {
          emitSkipped(carryBytes + nl - pos, true);
          carry = [];
          carryBytes = 0;
        } else {
          carry.push(chunk.subarray(pos, nl));
          const line = Buffer.concat(carry, carryBytes + nl - pos);
          carry = [];
          carryBytes = 0;
          emit(line, 0, line.length, true);
        }
        pos = nl + 1;
        lineStart = base + pos;
      }
      for (;;) {
        const nl = chunk.indexOf(LF, pos);
        if (nl === -1) break;
        if (nl - pos > maxLineBytes) emitSkipped(nl - pos, true);
        else emit(chunk, pos, nl, true);
        pos = nl + 1;
        lineStart = base + pos;
      }
      if (pos < chunk.length) appendCarry(chunk.subarray(pos));
    },

    end() {
      if (skipping >= 0) {
        emitSkipped(skipping, false);
        skipping = -1;
      } else if (carryBytes > 0) {
        const line = Buffer.concat(carry, carryBytes);
        carry = [];
        carryBytes = 0;
        emit(line, 0, line.length, false);
      }
    },

    get bom() {
      return bom;
    },
    get bytes() {
      return streamOffset;
    },
    get lines() {
      return number;
    },
    get partialBytes() {
      return skipping >= 0 ? skipping : carryBytes;
    },
    get partialOffset() {
      return lineStart;
    },
  };

  /** Keeps a partial line (copied: the stream may reuse its buffers), or starts skipping it. */
  function appendCarry(part: Buffer): void {
    if (carryBytes + part.length > maxLineBytes) {
      skipping = carryBytes + part.length;
      carry = [];
      carryBytes = 0;
      return;
    }
    carry.push(Buffer.from(part));
    carryBytes += part.length;
  }
}

const EMPTY = Buffer.alloc(0);
