/**
 * A file as rows: bytes → lines (line-splitter) → UTF-8 text → JSON values, text lines or CSV
 * records, with every problem of the bytes reported where it is (line and byte offset) instead
 * of thrown. Two modes:
 * - `all`: every line, in order, streaming in 1 MiB chunks.
 * - `sample` (depth quick): about `sampleBytes`: the head of the file plus windows spread over
 *   the middle and the tail, widened to whole lines (plain JSONL and text: sample-windows.ts),
 *   or just the head (gzip, CSV); the row count is extrapolated. Past the head, rows may have no
 *   line number (only a byte offset). Either way no line longer than `maxLineBytes` passes
 *   unseen where the sample reads, and no more than about `maxLineBytes` of it is read.
 */
import { isUtf8 } from 'node:buffer';
import type { ValidationSettings } from '../../core/datasets.ts';
import type { Container } from '../formats/format.ts';
import type { RuleId } from '../rules.ts';
import { createCsvRecordParser } from './csv-records.ts';
import { createLineSplitter, type RawLine } from './line-splitter.ts';
import { readSample, type SampleConsumer } from './sample-windows.ts';
import { describeChange, type FileIdentity, GzipError, identify, isGzip, readChunks } from './source.ts';

export interface RowEvents {
  /** A row: a parsed JSON object (jsonl), a line (text) or a CSV record's fields (csv). */
  row(value: unknown, line: number | null, offset: number): void;
  /** The CSV header record. */
  header(fields: string[], line: number): void;
  issue(rule: RuleId, line: number | null, field: string | null, message: string, offset?: number): void;
}

export interface ReadSummary {
  /** Bytes on disk. */
  readonly bytes: number;
  readonly rows: number;
  readonly rowsEstimated: boolean;
  /** Rows read and checked when only a sample was read (`rows` is then an estimate); else null. */
  readonly rowsSampled: number | null;
  readonly compression: 'gzip' | null;
  readonly bom: boolean;
  readonly lineEndings: 'lf' | 'crlf' | 'mixed' | 'none';
}

/** Bytes at the start searched for NUL bytes and other formats' magic numbers. */
const SNIFF_BYTES = 8192;

/** `.tsv` files are tab-separated; other CSV files comma-separated. */
export function csvDelimiter(fileName: string): string {
  return /\.tsv(\.gz)?$/i.test(fileName) ? '\t' : ',';
}

export async function readRows(path: string, container: Container, mode: 'all' | 'sample', settings: ValidationSettings, events: RowEvents, delimiter = ','): Promise<ReadSummary> {
  let before: FileIdentity;
  let gzip: boolean;
  try {
    before = await identify(path);
    gzip = before.size > 0 && (await isGzip(path));
  } catch (error) {
    events.issue('unreadable', null, null, describeError(error));
    return { bytes: 0, rows: 0, rowsEstimated: false, rowsSampled: null, compression: null, bom: false, lineEndings: 'none' };
  }
  const consumer = createLineConsumer(container, events, settings.maxLineBytes, delimiter);
  const summary = { bytes: before.size, compression: gzip ? ('gzip' as const) : null };
  if (before.size === 0) {
    events.issue('empty-file', null, null, 'the file is empty (0 bytes)');
    return { ...summary, rows: 0, rowsEstimated: false, rowsSampled: null, bom: false, lineEndings: 'none' };
  }

  let bom = false;
  let rows: number;
  let rowsEstimated = false;
  let rowsSampled: number | null = null;
  const windowed = mode === 'sample' && !gzip && container !== 'csv' && before.size > settings.sampleBytes;
  if (windowed) {
    const result = await readSample(path, before.size, settings.sampleBytes, settings.maxLineBytes, consumer);
    bom = result.bom;
    rows = result.rows;
    rowsEstimated = !result.exact;
    if (rowsEstimated) rowsSampled = result.sampledRows;
  } else {
    const limit = mode === 'sample' ? settings.sampleBytes : Infinity;
    const result = await readSequential(path, gzip, limit, settings, consumer, events);
    bom = result.bom;
    rows = consumer.rows;
    if (!result.complete) {
      rowsEstimated = true;
      rowsSampled = consumer.rows;
      const share = gzip ? result.compressedRead / before.size : result.bytes / before.size;
      rows = share > 0 ? Math.round(consumer.rows / share) : consumer.rows;
    }
  }

  const change = describeChange(before, await identify(path).catch(() => null));
  if (change) events.issue('file-changed', null, null, `${change}: the rows read may be a mix of old and new content; validate again`);
  if (bom) events.issue('bom', 1, null, 'a UTF-8 byte-order mark starts the file (skipped)', 0);
  const { crlf, lf } = consumer;
  if (crlf > 0 && lf > 0) events.issue('mixed-line-endings', consumer.firstCrlf, null, `${crlf} lines end with CRLF, ${lf} with LF`);
  else if (crlf > 0) events.issue('crlf', consumer.firstCrlf, null, `${crlf} line${crlf === 1 ? '' : 's'} end with CRLF (read as LF)`);
  return { ...summary, rows, rowsEstimated, rowsSampled, bom, lineEndings: crlf > 0 && lf > 0 ? 'mixed' : crlf > 0 ? 'crlf' : lf > 0 ? 'lf' : 'none' };
}

/** Reads from the start; stops after `limit` decompressed bytes, at the end of the line under
 * way then (reading at most `maxLineBytes` of it: a longer one is reported). */
async function readSequential(path: string, gzip: boolean, limit: number, settings: ValidationSettings, consumer: LineConsumer, events: RowEvents) {
  const source = readChunks(path, gzip);
  const splitter = createLineSplitter(settings.maxLineBytes, (line) => consumer.line(line, true));
  let first = true;
  let complete = true;
  let nulReported = false;
  /** Lines ended when `limit` was reached. */
  let linesAtLimit: number | null = null;
  try {
    for await (const chunk of source.chunks) {
      if (first) {
        first = false;
        const problem = sniff(chunk);
        if (problem) {
          events.issue(problem.rule, null, null, problem.message, problem.offset);
          return { bom: false, complete: true, bytes: splitter.bytes, compressedRead: source.compressedRead() };
        }
      }
      if (!nulReported) {
        const nul = chunk.indexOf(0);
        if (nul !== -1) {
          nulReported = true;
          events.issue('binary-file', null, null, `a NUL byte at byte ${splitter.bytes + nul}: binary data inside the text`, splitter.bytes + nul);
        }
      }
      splitter.push(chunk);
      if (linesAtLimit === null && splitter.bytes >= limit) linesAtLimit = splitter.lines;
      if (linesAtLimit !== null && (splitter.lines > linesAtLimit || splitter.partialBytes === 0 || splitter.partialBytes > settings.maxLineBytes)) {
        complete = false;
        if (splitter.lines === linesAtLimit && splitter.partialBytes > settings.maxLineBytes) {
          consumer.overLong(splitter.lines + 1, splitter.partialOffset, splitter.partialBytes);
        }
        break;
      }
    }
    if (complete) splitter.end();
  } catch (error) {
    if (error instanceof GzipError) events.issue('gzip-corrupt', splitter.lines + 1, null, `${error.message}; rows after line ${splitter.lines} are lost`, error.offset);
    else events.issue('unreadable', splitter.lines + 1, null, `reading failed after ${splitter.bytes} bytes: ${describeError(error)}`, splitter.bytes);
  }
  if (complete) consumer.end();
  return { bom: splitter.bom, complete, bytes: splitter.bytes, compressedRead: source.compressedRead() };
}

interface LineConsumer extends SampleConsumer {
  line(raw: RawLine, numbered: boolean): void;
  end(): void;
  readonly rows: number;
  readonly crlf: number;
  readonly lf: number;
  readonly firstCrlf: number | null;
}

/** Turns lines into rows for one container, reporting line-level problems. */
function createLineConsumer(container: Container, events: RowEvents, maxLineBytes: number, delimiter: string): LineConsumer {
  const csv = container === 'csv' ? createCsvRecordParser(delimiter) : null;
  let csvHeader = true;
  let rows = 0;
  let crlf = 0;
  let lf = 0;
  let firstCrlf: number | null = null;

  function csvRecord(record: { fields: string[]; line: number; error: string | null } | null, offset: number): void {
    if (record === null) return;
    if (record.error) {
      events.issue('csv-quote', record.line, null, record.error, offset);
      return;
    }
    if (csvHeader) {
      csvHeader = false;
      events.header(record.fields, record.line);
      return;
    }
    rows++;
    events.row(record.fields, record.line, offset);
  }

  return {
    overLong(line, offset, atLeast) {
      const what = line === null ? `a line around byte ${offset}` : `line ${line}`;
      events.issue('line-too-long', line, null, `${what} is over the limit of ${formatSize(maxLineBytes)} (maxLineBytes): no line break in ${formatSize(atLeast)}; skipped unread`, offset);
    },
    line(raw, numbered) {
      const line = numbered ? raw.number : null;
      if (raw.skippedBytes > 0) {
        events.issue('line-too-long', line, null, `a ${formatSize(raw.skippedBytes)} line, over the limit of ${formatSize(maxLineBytes)} (maxLineBytes): skipped unread`, raw.offset);
        return;
      }
      if (raw.terminated) {
        if (raw.crlf) {
          crlf++;
          firstCrlf ??= line;
        } else {
          lf++;
        }
      }
      const bytes = raw.buf.subarray(raw.start, raw.end);
      if (!isUtf8(bytes)) {
        const at = firstInvalidUtf8(bytes);
        events.issue('invalid-utf8', line, null, `invalid UTF-8 at byte ${at} of the line (0x${bytes[at].toString(16).padStart(2, '0')})`, raw.offset);
        return;
      }
      const text = raw.buf.toString('utf8', raw.start, raw.end);
      if (container === 'csv') {
        if (text.length === 0 || text.trim().length === 0) {
          events.issue('blank-line', line, null, 'blank line (skipped)', raw.offset);
          return;
        }
        csvRecord(csv!.push(text, raw.number), raw.offset);
        return;
      }
      if (container === 'text') {
        if (text.trim().length === 0) return;
        rows++;
        events.row(text, line, raw.offset);
        return;
      }
      if (text.length === 0 || text.trim().length === 0) {
        events.issue('blank-line', line, null, 'blank line (skipped)', raw.offset);
        return;
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        const reason = (error as Error).message;
        if (!raw.terminated) events.issue('truncated-last-line', line, null, `the last line (${raw.end - raw.start} bytes) has no newline and is not valid JSON: ${reason}`, raw.offset);
        else events.issue('invalid-json', line, null, reason, raw.offset);
        return;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        events.issue('not-an-object', line, null, `a JSON ${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value}, not an object`, raw.offset);
        return;
      }
      rows++;
      events.row(value, line, raw.offset);
    },
    end() {
      if (csv) csvRecord(csv.end(), 0);
    },
    get rows() {
      return rows;
    },
    get crlf() {
      return crlf;
    },
    get lf() {
      return lf;
    },
    get firstCrlf() {
      return firstCrlf;
    },
  };
}

/** What the first bytes say the file is, when it is not text this reader can read. */
export function sniff(head: Buffer): { rule: RuleId; message: string; offset: number } | null {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff)) return { rule: 'encoding', message: 'a UTF-16 byte-order mark: convert the file to UTF-8', offset: 0 };
  if (starts(0x00, 0x00, 0xfe, 0xff)) return { rule: 'encoding', message: 'a UTF-32 byte-order mark: convert the file to UTF-8', offset: 0 };
  const magic: Array<[number[], string]> = [
    [[0x50, 0x4b, 0x03, 0x04], 'a zip archive'],
    [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'an xz file'],
    [[0x42, 0x5a, 0x68], 'a bzip2 file'],
    [[0x28, 0xb5, 0x2f, 0xfd], 'a zstd file'],
    [[0x50, 0x41, 0x52, 0x31], 'a Parquet file'],
  ];
  for (const [bytes, what] of magic) {
    if (starts(...bytes)) return { rule: 'binary-file', message: `${what}: only plain text and gzip are read; convert it to JSONL first`, offset: 0 };
  }
  const nul = head.subarray(0, SNIFF_BYTES).indexOf(0);
  if (nul !== -1) return { rule: 'binary-file', message: `binary data: a NUL byte at byte ${nul} (not read further)`, offset: nul };
  return null;
}

/** Index of the first byte that breaks UTF-8 in `bytes` (which `isUtf8` refused). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need === -1) return i;
    if (i + need >= bytes.length && need > 0) return i;
    for (let k = 1; k <= need; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    if (need === 2 && ((b === 0xe0 && bytes[i + 1] < 0xa0) || (b === 0xed && bytes[i + 1] >= 0xa0))) return i;
    if (need === 3 && ((b === 0xf0 && bytes[i + 1] < 0x90) || (b === 0xf4 && bytes[i + 1] >= 0x90))) return i;
    i += need + 1;
  }
  return Math.max(0, bytes.length - 1);
}

/** "50.0 MB", "812 bytes". */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1 << 20) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

function describeError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'no such file';
  if (e?.code === 'EACCES') return 'permission denied';
  if (e?.code === 'EISDIR') return 'a directory, not a file';
  return e?.message ?? String(error);
}
