/**
 * Depth quick on a plain file too big to read whole: the head, windows spread over the middle,
 * and the tail, each widened to whole lines, so that the rows at the file's start and end (and
 * around each window) are checked complete.
 *
 * - A window's start moves back to the start of the line it falls in (found within
 *   `maxLineBytes`); its end moves on to the end of the line under way, reading at most
 *   `maxLineBytes` of it. A line longer than that is reported (`line-too-long`) without being
 *   read to its end: at most about `maxLineBytes` more is read per window, whatever the file.
 *   Windows that fall in an over-long line, with no line break seen since the one reported
 *   before, are not reported again.
 * - Line numbers are known as long as the windows read so far cover the file from its start
 *   without a gap in which a line break could hide; past that, rows have a byte offset only.
 * - When the windows end up covering the whole file that way (a file of few, very long lines),
 *   the row count is exact; else it is estimated from the rows per byte of what was read.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { createLineSplitter, type LineSplitter, type RawLine } from './line-splitter.ts';
import { CHUNK_BYTES } from './source.ts';

/** Middle windows of a quick sample. */
export const SAMPLE_WINDOWS = 6;

const LF = 0x0a;

export interface SampleWindow {
  readonly start: number;
  readonly length: number;
}

/** Where a sample of about `sampleBytes` reads a file of `size` bytes: half of it at the head,
 * the rest in windows spread over the middle and one ending at the file's end. Pure. */
export function sampleWindows(size: number, sampleBytes: number): SampleWindow[] {
  const head = Math.floor(sampleBytes / 2);
  const span = Math.floor(sampleBytes / (2 * (SAMPLE_WINDOWS + 1)));
  const windows: SampleWindow[] = [{ start: 0, length: Math.min(head, size) }];
  for (let k = 1; k <= SAMPLE_WINDOWS; k++) {
    windows.push({ start: Math.floor(((size - span) * k) / (SAMPLE_WINDOWS + 1)), length: span });
  }
  windows.push({ start: Math.max(0, size - span), length: Math.min(span, size) });
  return windows;
}

/** What the sampler hands its lines to (file-rows.ts's line consumer). */
export interface SampleConsumer {
  line(raw: RawLine, numbered: boolean): void;
  /** A line longer than the limit, of which only `atLeast` bytes (starting at or before
   * `offset`) were read; `line` is its number when known. */
  overLong(line: number | null, offset: number, atLeast: number): void;
  readonly rows: number;
}

export interface SampleResult {
  readonly bom: boolean;
  /** Rows the consumer took in from the sample. */
  readonly sampledRows: number;
  /** The file's rows: exact when `exact`, else estimated. */
  readonly rows: number;
  /** Every byte of the file was accounted for, line breaks included: `rows` is a count. */
  readonly exact: boolean;
}

export async function readSample(path: string, size: number, sampleBytes: number, maxLineBytes: number, consumer: SampleConsumer): Promise<SampleResult> {
  const handle = await open(path, 'r');
  try {
    return await sample(handle, size, sampleBytes, maxLineBytes, consumer);
  } finally {
    await handle.close();
  }
}

async function sample(handle: FileHandle, statSize: number, sampleBytes: number, max: number, consumer: SampleConsumer): Promise<SampleResult> {
  const rowsBefore = consumer.rows;
  /** The file's size; smaller when it shrinks while it is read (readRows reports the change). */
  let size = statSize;
  /** Reads up to `length` bytes at `at` into the splitter; returns how many (0: the file ended). */
  const push = async (splitter: LineSplitter, at: number, length: number): Promise<number> => {
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await handle.read(buffer, 0, length, at);
    if (bytesRead === 0) size = at;
    else splitter.push(bytesRead === length ? buffer : buffer.subarray(0, bytesRead));
    return bytesRead;
  };
  /** Bytes before `pos` have been read, or are known to hold no line break. */
  let pos = 0;
  /** `pos` lies inside a line already reported as over-long. */
  let inLongLine = false;
  /** The bytes before `pos` are accounted for from the file's start: line numbers are known. */
  let numbered = true;
  /** Lines ended before `pos`, while `numbered`. */
  let linesBefore = 0;
  /** Bytes accounted for (read, or known to hold no line break), for the row estimate. */
  let accounted = 0;
  let bom = false;

  for (const [index, window] of sampleWindows(statSize, sampleBytes).entries()) {
    let start = Math.max(window.start, pos);
    const end = Math.min(size, window.start + window.length);
    if (start >= end) continue;
    let skipFirst = false;
    let contiguous = start === pos;
    if (!contiguous) {
      // Back to the start of the line that holds `start`, looking at most `max` bytes back.
      const from = Math.max(pos, start - max - 1);
      const newline = await lastNewline(handle, from, start);
      if (newline !== -1) {
        start = newline + 1;
        contiguous = start === pos;
      } else if (from === pos) {
        // No line break since `pos`: the line holding `start` began at `pos`, or earlier.
        contiguous = true;
        if (inLongLine) skipFirst = true;
        else start = pos;
      } else {
        // A line over the limit holds `start`: reported unless it may be the one the last
        // window ended in (the bytes between were not read; counting it twice says nothing).
        if (!inLongLine) consumer.overLong(null, from, start - from);
        skipFirst = true;
      }
    } else if (inLongLine) {
      skipFirst = true;
    }
    if (!contiguous) numbered = false;
    if (contiguous) accounted += start - pos;

    const base = start;
    const lineBase = numbered ? linesBefore : 0;
    let skip = skipFirst;
    const splitter = createLineSplitter(max, (raw) => {
      if (skip) {
        skip = false;
        return;
      }
      consumer.line({ ...raw, number: lineBase + raw.number, offset: base + raw.offset }, numbered);
    }, { fileStart: start === 0 });
    let at = start;
    while (at < Math.min(end, size)) at += await push(splitter, at, Math.min(CHUNK_BYTES, end - at));
    if (index === 0) bom = splitter.bom;

    if (skip) {
      // The whole window lies inside the over-long line: nothing ended in it.
      if (at >= size) splitter.end();
      accounted += at - start;
      pos = at;
      inLongLine = at < size;
      continue;
    }
    // On to the end of the line under way, reading at most `max` bytes of it.
    const linesAtEnd = splitter.lines;
    while (at < size && splitter.partialBytes > 0 && splitter.lines === linesAtEnd && splitter.partialBytes <= max) {
      at += await push(splitter, at, Math.min(CHUNK_BYTES, size - at));
    }
    if (at >= size) {
      splitter.end();
      pos = size;
      inLongLine = false;
    } else if (splitter.lines === linesAtEnd && splitter.partialBytes > max) {
      consumer.overLong(numbered ? lineBase + splitter.lines + 1 : null, base + splitter.partialOffset, splitter.partialBytes);
      pos = at;
      inLongLine = true;
    } else {
      // The line ended: stop where the next one starts (it is not read further).
      pos = base + splitter.partialOffset;
      inLongLine = false;
    }
    accounted += pos - start;
    if (numbered) linesBefore = lineBase + splitter.lines;
  }

  const sampledRows = consumer.rows - rowsBefore;
  const exact = numbered && pos >= size;
  // Rows per byte of what was accounted for, times the file's size.
  const rows = exact ? sampledRows : accounted > 0 ? Math.round((sampledRows / accounted) * size) : 0;
  return { bom, sampledRows, rows, exact };
}

/** The offset of the last line break in [from, to), or -1; reads backwards a chunk at a time. */
async function lastNewline(handle: FileHandle, from: number, to: number): Promise<number> {
  let end = to;
  while (end > from) {
    const start = Math.max(from, end - CHUNK_BYTES);
    const buffer = Buffer.allocUnsafe(end - start);
    const { bytesRead } = await handle.read(buffer, 0, end - start, start);
    const found = buffer.subarray(0, bytesRead).lastIndexOf(LF);
    if (found !== -1) return start + found;
    end = start;
  }
  return -1;
}
