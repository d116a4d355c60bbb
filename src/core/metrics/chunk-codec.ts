/**
 * Encoding of a chunk: consecutive points of one series stored as one blob, with a summary
 * (count, first/last step, min/max, last value) kept beside it as plain columns.
 *
 * Layout (little-endian), a 32-byte header then three columns:
 *
 * | offset | type | field                                                      |
 * |--------|------|------------------------------------------------------------|
 * | 0      | u8   | format version (1)                                         |
 * | 1      | u8   | step mode: 0 float64, 1 uint32 offsets, 2 arithmetic       |
 * | 2      | u8   | time mode: 0 float64, 1 uint32 offsets                     |
 * | 3      | u8   | reserved (0)                                               |
 * | 4      | u32  | point count n                                              |
 * | 8      | f64  | base step: the smallest step (modes 0/1), the first (mode 2) |
 * | 16     | f64  | step stride (mode 2), else 0                               |
 * | 24     | f64  | base time: the smallest time                               |
 * | 32     | f64×n | values, bit for bit (NaN, ±Infinity and -0 round-trip)    |
 * |        | u32×n or f64×n | times: ms offsets from base time, or raw         |
 * |        | none, u32×n or f64×n | steps                                      |
 *
 * Integer steps within 2^32 of each other cost 4 bytes a point, steps that grow by a constant
 * stride (the usual 0, 1, 2, …) cost nothing, integer epoch-ms times within 49 days cost 4
 * bytes: a regular chunk of 1,000 points takes 12,032 bytes. Anything else falls back to
 * float64 losslessly, so every input round-trips exactly.
 */
import { TrainyardError } from '../errors.ts';
import type { SeriesPoints } from '../types.ts';

/** Format version written in byte 0. */
export const CHUNK_FORMAT_VERSION = 1;
const HEADER_BYTES = 32;
const U32_MAX = 0xffff_ffff;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** How the step column is stored (header byte 1). */
const StepMode = { Float64: 0, Uint32: 1, Stride: 2 } as const;
type StepMode = (typeof StepMode)[keyof typeof StepMode];
/** How the time column is stored (header byte 2). */
const TimeMode = { Float64: 0, Uint32: 1 } as const;
type TimeMode = (typeof TimeMode)[keyof typeof TimeMode];

/** A blob that is not a chunk this codec wrote, or an input it cannot encode. */
export class ChunkCodecError extends TrainyardError {
  override readonly code = 'corrupt_chunk';
}

/**
 * What is kept beside a chunk's blob. `min`/`max` ignore NaN values and are NaN when every
 * value is NaN. `lastValue` is the value at `lastStep` (the later one among equal steps).
 */
export interface ChunkSummary {
  readonly count: number;
  readonly firstStep: number;
  readonly lastStep: number;
  readonly min: number;
  readonly max: number;
  readonly lastValue: number;
}

/** Decoded points: fresh arrays owned by the caller, in the order they were encoded. */
export interface DecodedPoints {
  readonly steps: Float64Array;
  readonly values: Float64Array;
  readonly times: Float64Array;
}

export interface EncodedChunk {
  readonly summary: ChunkSummary;
  readonly data: Buffer;
}

/** Summary of `points[start, end)`. Throws on an empty range. */
export function summarizePoints(points: SeriesPoints, start = 0, end = points.steps.length): ChunkSummary {
  if (end <= start) throw new ChunkCodecError('cannot summarize an empty chunk');
  const { steps, values } = points;
  let firstStep = steps[start];
  let lastStep = steps[start];
  let lastValue = values[start];
  let min = Infinity;
  let max = -Infinity;
  for (let i = start; i < end; i++) {
    const step = steps[i];
    const value = values[i];
    if (step < firstStep) firstStep = step;
    if (step >= lastStep) {
      lastStep = step;
      lastValue = value;
    }
    if (value < min) min = value;
    if (value > max) max = value;
  }
  // Comparisons with NaN are false, so min/max stayed ±Infinity only if no value was a number
  // (or the numbers were the infinities themselves, which the second test tells apart).
  if (min === Infinity && !hasNumber(values, start, end)) {
    min = NaN;
    max = NaN;
  }
  return { count: end - start, firstStep, lastStep, min, max, lastValue };
}

function hasNumber(values: ArrayLike<number>, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!Number.isNaN(values[i])) return true;
  return false;
}

/** Encodes `points[start, end)` (any order; decoding gives the same order back). */
export function encodeChunk(points: SeriesPoints, start = 0, end = points.steps.length): EncodedChunk {
  const { steps, values, times } = points;
  if (values.length < end || times.length < end) {
    throw new ChunkCodecError('steps, values and times must have the same length');
  }
  const summary = summarizePoints(points, start, end);
  const n = end - start;
  const stepMode = chooseStepMode(steps, start, end, summary);
  const { mode: timeMode, base: baseTime } = chooseTimeMode(times, start, end);
  const stride = stepMode === StepMode.Stride && n > 1 ? steps[start + 1] - steps[start] : 0;
  const baseStep = stepMode === StepMode.Stride ? steps[start] : summary.firstStep;

  const timeBytes = timeMode === TimeMode.Uint32 ? 4 : 8;
  const stepBytes = stepMode === StepMode.Stride ? 0 : stepMode === StepMode.Uint32 ? 4 : 8;
  const data = Buffer.alloc(HEADER_BYTES + n * (8 + timeBytes + stepBytes));
  data.writeUInt8(CHUNK_FORMAT_VERSION, 0);
  data.writeUInt8(stepMode, 1);
  data.writeUInt8(timeMode, 2);
  data.writeUInt32LE(n, 4);
  data.writeDoubleLE(baseStep, 8);
  data.writeDoubleLE(stride, 16);
  data.writeDoubleLE(baseTime, 24);

  let offset = HEADER_BYTES;
  const valueView = new Float64Array(n);
  for (let i = 0; i < n; i++) valueView[i] = values[start + i];
  offset += copyOut(valueView, data, offset);
  offset += writeColumn(data, offset, times, start, n, timeMode === TimeMode.Uint32 ? baseTime : null);
  if (stepMode !== StepMode.Stride) {
    writeColumn(data, offset, steps, start, n, stepMode === StepMode.Uint32 ? baseStep : null);
  }
  return { summary, data };
}

function chooseStepMode(steps: ArrayLike<number>, start: number, end: number, s: ChunkSummary): StepMode {
  if (isArithmetic(steps, start, end)) return StepMode.Stride;
  if (Number.isInteger(s.firstStep) && s.lastStep - s.firstStep <= U32_MAX && allIntegers(steps, start, end)) {
    return StepMode.Uint32;
  }
  return StepMode.Float64;
}

function chooseTimeMode(times: ArrayLike<number>, start: number, end: number): { mode: TimeMode; base: number } {
  let min = Infinity;
  let max = -Infinity;
  let integers = true;
  for (let i = start; i < end; i++) {
    const t = times[i];
    if (t < min) min = t;
    if (t > max) max = t;
    if (!Number.isInteger(t)) integers = false;
  }
  if (integers && max - min <= U32_MAX) return { mode: TimeMode.Uint32, base: min };
  return { mode: TimeMode.Float64, base: Number.isFinite(min) ? min : 0 };
}

function isArithmetic(steps: ArrayLike<number>, start: number, end: number): boolean {
  const base = steps[start];
  if (!Number.isFinite(base)) return false;
  if (end - start === 1) return true;
  const stride = steps[start + 1] - base;
  if (!Number.isFinite(stride)) return false;
  for (let i = start + 1, k = 1; i < end; i++, k++) {
    // Object.is keeps -0 steps out of this mode, so they round-trip as written.
    if (!Object.is(base + k * stride, steps[i])) return false;
  }
  return !Object.is(base, -0);
}

function allIntegers(steps: ArrayLike<number>, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    if (!Number.isInteger(steps[i]) || Object.is(steps[i], -0)) return false;
  }
  return true;
}

/** Writes n numbers as uint32 offsets from `base`, or as float64 when base is null. */
function writeColumn(
  data: Buffer,
  offset: number,
  column: ArrayLike<number>,
  start: number,
  n: number,
  base: number | null,
): number {
  if (base === null) {
    const raw = new Float64Array(n);
    for (let i = 0; i < n; i++) raw[i] = column[start + i];
    return copyOut(raw, data, offset);
  }
  const offsets = new Uint32Array(n);
  for (let i = 0; i < n; i++) offsets[i] = column[start + i] - base;
  return copyOut(offsets, data, offset);
}

/** Decodes a blob written by `encodeChunk`. Throws `ChunkCodecError` on anything else. */
export function decodeChunk(data: Uint8Array): DecodedPoints {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const { n, stepMode, timeMode, baseStep, stride, baseTime } = readHeader(buf);
  let offset = HEADER_BYTES;
  const values = new Float64Array(n);
  offset += copyIn(buf, offset, values);
  const times = readColumn(buf, offset, n, timeMode === TimeMode.Uint32 ? baseTime : null);
  offset += n * (timeMode === TimeMode.Uint32 ? 4 : 8);
  let steps: Float64Array;
  if (stepMode === StepMode.Stride) {
    steps = new Float64Array(n);
    for (let i = 0; i < n; i++) steps[i] = baseStep + i * stride;
  } else {
    steps = readColumn(buf, offset, n, stepMode === StepMode.Uint32 ? baseStep : null);
  }
  return { steps, values, times };
}

/**
 * Steps and values only, for scans such as downsampling: skips the time column, views the
 * values in place where the blob is 8-byte aligned (blobs read from SQLite are), and writes
 * the steps into `scratch` when it is large enough. The returned arrays may share memory with
 * `data` and `scratch`: use them before the next call.
 */
export function decodeStepsAndValues(data: Uint8Array, scratch?: Float64Array): { steps: Float64Array; values: Float64Array } {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const { n, stepMode, timeMode, baseStep, stride } = readHeader(buf);
  const valuesAt = buf.byteOffset + HEADER_BYTES;
  let values: Float64Array;
  if (LITTLE_ENDIAN && valuesAt % 8 === 0) {
    values = new Float64Array(buf.buffer, valuesAt, n);
  } else {
    values = new Float64Array(n);
    copyIn(buf, HEADER_BYTES, values);
  }
  const steps = scratch !== undefined && scratch.length >= n ? scratch.subarray(0, n) : new Float64Array(n);
  if (stepMode === StepMode.Stride) {
    for (let i = 0; i < n; i++) steps[i] = baseStep + i * stride;
  } else {
    const stepsAt = HEADER_BYTES + n * (8 + (timeMode === TimeMode.Uint32 ? 4 : 8));
    readColumnInto(buf, stepsAt, steps, stepMode === StepMode.Uint32 ? baseStep : null);
  }
  return { steps, values };
}

interface Header {
  readonly n: number;
  readonly stepMode: StepMode;
  readonly timeMode: TimeMode;
  readonly baseStep: number;
  readonly stride: number;
  readonly baseTime: number;
}

/** Reads and checks the header, including that the length matches the modes and count. */
function readHeader(buf: Buffer): Header {
  if (buf.length < HEADER_BYTES) throw new ChunkCodecError(`chunk too short: ${buf.length} bytes`);
  const version = buf.readUInt8(0);
  if (version !== CHUNK_FORMAT_VERSION) throw new ChunkCodecError(`unknown chunk format version ${version}`);
  const stepMode = buf.readUInt8(1) as StepMode;
  const timeMode = buf.readUInt8(2) as TimeMode;
  if (stepMode > StepMode.Stride || timeMode > TimeMode.Uint32) {
    throw new ChunkCodecError(`unknown chunk modes ${stepMode}/${timeMode}`);
  }
  const n = buf.readUInt32LE(4);
  const timeBytes = timeMode === TimeMode.Uint32 ? 4 : 8;
  const stepBytes = stepMode === StepMode.Stride ? 0 : stepMode === StepMode.Uint32 ? 4 : 8;
  const expected = HEADER_BYTES + n * (8 + timeBytes + stepBytes);
  if (buf.length !== expected) {
    throw new ChunkCodecError(`chunk of ${n} points should be ${expected} bytes, is ${buf.length}`);
  }
  return { n, stepMode, timeMode, baseStep: buf.readDoubleLE(8), stride: buf.readDoubleLE(16), baseTime: buf.readDoubleLE(24) };
}

function readColumn(buf: Buffer, offset: number, n: number, base: number | null): Float64Array {
  const out = new Float64Array(n);
  readColumnInto(buf, offset, out, base);
  return out;
}

/** Reads `out.length` numbers: float64, or uint32 offsets from `base` when base is not null. */
function readColumnInto(buf: Buffer, offset: number, out: Float64Array, base: number | null): void {
  const n = out.length;
  if (base === null) {
    copyIn(buf, offset, out);
    return;
  }
  const at = buf.byteOffset + offset;
  let offsets: Uint32Array;
  if (LITTLE_ENDIAN && at % 4 === 0) {
    offsets = new Uint32Array(buf.buffer, at, n);
  } else {
    offsets = new Uint32Array(n);
    copyIn(buf, offset, offsets);
  }
  for (let i = 0; i < n; i++) out[i] = base + offsets[i];
}

/** Copies a typed array into `data` at `offset` as little-endian bytes; returns bytes written. */
function copyOut(source: Float64Array | Uint32Array, data: Buffer, offset: number): number {
  if (LITTLE_ENDIAN) {
    data.set(new Uint8Array(source.buffer, source.byteOffset, source.byteLength), offset);
  } else {
    for (let i = 0; i < source.length; i++) {
      if (source instanceof Float64Array) data.writeDoubleLE(source[i], offset + i * 8);
      else data.writeUInt32LE(source[i], offset + i * 4);
    }
  }
  return source.byteLength;
}

/** Fills `target` from little-endian bytes of `buf` at `offset` (any alignment). */
function copyIn(buf: Buffer, offset: number, target: Float64Array | Uint32Array): number {
  const bytes = target.byteLength;
  if (LITTLE_ENDIAN) {
    new Uint8Array(target.buffer, target.byteOffset, bytes).set(buf.subarray(offset, offset + bytes));
  } else {
    for (let i = 0; i < target.length; i++) {
      target[i] = target instanceof Float64Array ? buf.readDoubleLE(offset + i * 8) : buf.readUInt32LE(offset + i * 4);
    }
  }
  return bytes;
}
