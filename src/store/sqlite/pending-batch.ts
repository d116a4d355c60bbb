/**
 * Encoding of a buffered batch: the points of one `recordMetrics` call, all keys in one blob,
 * written as one row of `metric_pending` until they are folded into chunks (metric-buffer.ts).
 *
 * Layout (little-endian): an 8-byte header (u32 version 1, u32 key count), then per
 * key an entry, each starting at a multiple of 8 bytes:
 *
 * | offset | type   | field                                                        |
 * |--------|--------|--------------------------------------------------------------|
 * | 0      | u32    | key length in bytes (UTF-8)                                  |
 * | 4      | u32    | chunk length in bytes                                        |
 * | 8      | f64×6  | summary: count, first step, last step, min, max, last value  |
 * | 56     | bytes  | key, zero-padded to a multiple of 8                          |
 * |        | bytes  | the key's points as a chunk (core/metrics/chunk-codec.ts), padded to 8 |
 *
 * The summary lets `listSeries` merge buffered points without decoding them; the chunk codec
 * keeps them at ~12 bytes a point and round-trips every value exactly. Chunks start 8-aligned
 * so `decodeStepsAndValues` can view their values in place.
 */
import { type ChunkSummary, ChunkCodecError, type DecodedPoints, planChunk, writeChunk } from '../../core/metrics/chunk-codec.ts';

const VERSION = 1;
const HEADER_BYTES = 8;
const ENTRY_HEADER_BYTES = 56;

/** One key of a buffered batch; `chunk` is a view into the blob. */
export interface PendingEntry {
  readonly key: string;
  readonly summary: ChunkSummary;
  readonly chunk: Uint8Array;
}

/** Reusable memory to encode into (see `encodePendingBatch`). */
export interface Scratch {
  buffer: Buffer;
}

export function createScratch(): Scratch {
  return { buffer: Buffer.allocUnsafeSlow(64 << 10) };
}

/**
 * Encodes a batch's step-sorted, non-empty points per key. With `scratch`, the blob is a view
 * into it, good until the next call (allocating a blob per batch cost more than encoding it);
 * without, a fresh buffer.
 */
export function encodePendingBatch(series: ReadonlyArray<readonly [string, DecodedPoints]>, scratch?: Scratch): Buffer {
  const parts = series.map(([key, points]) => ({ key: Buffer.from(key, 'utf8'), points, plan: planChunk(points) }));
  let size = HEADER_BYTES;
  for (const p of parts) size += ENTRY_HEADER_BYTES + pad8(p.key.length) + pad8(p.plan.byteLength);
  // Not pooled, so the blob starts 8-aligned; padding is zeroed below.
  let out: Buffer;
  if (scratch === undefined) out = Buffer.allocUnsafeSlow(size);
  else {
    if (scratch.buffer.length < size) scratch.buffer = Buffer.allocUnsafeSlow(Math.max(size, 2 * scratch.buffer.length));
    out = scratch.buffer.subarray(0, size);
  }
  const view = new DataView(out.buffer, out.byteOffset, size);
  view.setUint32(0, VERSION, true);
  view.setUint32(4, parts.length, true);
  let at = HEADER_BYTES;
  for (const { key, points: columns, plan } of parts) {
    const s = plan.summary;
    view.setUint32(at, key.length, true);
    view.setUint32(at + 4, plan.byteLength, true);
    view.setFloat64(at + 8, s.count, true);
    view.setFloat64(at + 16, s.firstStep, true);
    view.setFloat64(at + 24, s.lastStep, true);
    view.setFloat64(at + 32, s.min, true);
    view.setFloat64(at + 40, s.max, true);
    view.setFloat64(at + 48, s.lastValue, true);
    at += ENTRY_HEADER_BYTES;
    out.fill(0, at + key.length, at + pad8(key.length));
    key.copy(out, at);
    at += pad8(key.length);
    writeChunk(plan, columns, 0, out, at);
    out.fill(0, at + plan.byteLength, at + pad8(plan.byteLength));
    at += pad8(plan.byteLength);
  }
  return out;
}

/** Calls `fn` with each key's entry, in the order written. Throws `ChunkCodecError` on a blob it did not write. */
export function forEachPendingEntry(data: Uint8Array, fn: (entry: PendingEntry) => void): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.byteLength < HEADER_BYTES || view.getUint8(0) !== VERSION) throw new ChunkCodecError('not a buffered metric batch');
  const keys = view.getUint32(4, true);
  let at = HEADER_BYTES;
  for (let k = 0; k < keys; k++) {
    if (at + ENTRY_HEADER_BYTES > data.byteLength) throw new ChunkCodecError('buffered metric batch is truncated');
    const keyBytes = view.getUint32(at, true);
    const chunkBytes = view.getUint32(at + 4, true);
    const summary: ChunkSummary = {
      count: view.getFloat64(at + 8, true),
      firstStep: view.getFloat64(at + 16, true),
      lastStep: view.getFloat64(at + 24, true),
      min: view.getFloat64(at + 32, true),
      max: view.getFloat64(at + 40, true),
      lastValue: view.getFloat64(at + 48, true),
    };
    const keyAt = at + ENTRY_HEADER_BYTES;
    const chunkAt = keyAt + pad8(keyBytes);
    if (chunkAt + chunkBytes > data.byteLength) throw new ChunkCodecError('buffered metric batch is truncated');
    const key = textDecoder.decode(new Uint8Array(data.buffer, data.byteOffset + keyAt, keyBytes));
    fn({ key, summary, chunk: new Uint8Array(data.buffer, data.byteOffset + chunkAt, chunkBytes) });
    at = chunkAt + pad8(chunkBytes);
  }
}

/** The chunk of `key` in a buffered batch, or null when the batch has none. */
export function pendingChunkOf(data: Uint8Array, key: string): Uint8Array | null {
  let found: Uint8Array | null = null;
  forEachPendingEntry(data, (entry) => {
    if (entry.key === key) found = entry.chunk;
  });
  return found;
}

const textDecoder = new TextDecoder();

function pad8(n: number): number {
  return (n + 7) & ~7;
}
