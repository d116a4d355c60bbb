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
export type StepMode = (typeof StepMode)[keyof typeof StepMode];
/** How the time column is stored (header byte 2). */
const TimeMode = { Float64: 0, Uint32: 1 } as const;
export type TimeMode = (typeof TimeMode)[keyof typeof TimeMode];

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

/** What `encodeChunk` would write for `points[start, end)`: modes, bases and size, known before writing. */
export interface ChunkPlan {
  readonly summary: ChunkSummary;
  readonly byteLength: number;
  readonly stepMode: StepMode;
  readonly timeMode: TimeMode;
  readonly baseStep: number;
  readonly stride: number;
  readonly baseTime: number;
}

/** Plans the encoding of `points[start, end)`. Throws on an empty range or ragged columns. */
export function planChunk(points: SeriesPoints, start = 0, end = points.steps.length): ChunkPlan {
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
  return { summary, byteLength: HEADER_BYTES + n * (8 + timeBytes + stepBytes), stepMode, timeMode, baseStep, stride, baseTime };
}

/**
 * Writes the chunk planned for `points[start, start + plan.summary.count)` into `out` at
 * `offset` (`plan.byteLength` bytes). Faster when `out.byteOffset + offset` is a multiple of 8.
 */
export function writeChunk(plan: ChunkPlan, points: SeriesPoints, start: number, out: Uint8Array, offset: number): void {
  const n = plan.summary.count;
  const view = new DataView(out.buffer, out.byteOffset + offset, plan.byteLength);
  view.setUint8(0, CHUNK_FORMAT_VERSION);
  view.setUint8(1, plan.stepMode);
  view.setUint8(2, plan.timeMode);
  view.setUint8(3, 0);
  view.setUint32(4, n, true);
  view.setFloat64(8, plan.baseStep, true);
  view.setFloat64(16, plan.stride, true);
  view.setFloat64(24, plan.baseTime, true);
  let at = offset + HEADER_BYTES;
  at += writeFloats(out, at, points.values, start, n);
  at += plan.timeMode === TimeMode.Uint32 ? writeOffsets(out, at, points.times, start, n, plan.baseTime) : writeFloats(out, at, points.times, start, n);
  if (plan.stepMode === StepMode.Uint32) writeOffsets(out, at, points.steps, start, n, plan.baseStep);
  else if (plan.stepMode === StepMode.Float64) writeFloats(out, at, points.steps, start, n);
}

/** Encodes `points[start, end)` (any order; decoding gives the same order back). */
export function encodeChunk(points: SeriesPoints, start = 0, end = points.steps.length): EncodedChunk {
  const plan = planChunk(points, start, end);
  // Not pooled, so the blob starts 8-aligned; every byte is written.
  const data = Buffer.allocUnsafeSlow(plan.byteLength);
  writeChunk(plan, points, start, data, 0);
  return { summary: plan.summary, data };
}

/** Writes n numbers as float64 at `at`; returns the bytes written. */
function writeFloats(out: Uint8Array, at: number, column: ArrayLike<number>, start: number, n: number): number {
  const where = out.byteOffset + at;
  if (LITTLE_ENDIAN && where % 8 === 0) {
    const target = new Float64Array(out.buffer, where, n);
    if (column instanceof Float64Array) target.set(column.subarray(start, start + n));
    else for (let i = 0; i < n; i++) target[i] = column[start + i];
  } else {
    const view = new DataView(out.buffer, where, n * 8);
    for (let i = 0; i < n; i++) view.setFloat64(i * 8, column[start + i], true);
  }
  return n * 8;
}

/** Writes n numbers as uint32 offsets from `base` at `at`; returns the bytes written. */
function writeOffsets(out: Uint8Array, at: number, column: ArrayLike<number>, start: number, n: number, base: number): number {
  const where = out.byteOffset + at;
  if (LITTLE_ENDIAN && where % 4 === 0) {
    const target = new Uint32Array(out.buffer, where, n);
    for (let i = 0; i < n; i++) target[i] = column[start + i] - base;
  } else {
    const view = new DataView(out.buffer, where, n * 4);
    for (let i = 0; i < n; i++) view.setUint32(i * 4, column[start + i] - base, true);
  }
  return n * 4;
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

/** Decodes a blob written by `encodeChunk`. Throws `ChunkCodecError` on anything else. */
export function decodeChunk(data: Uint8Array): DecodedPoints {
  const header = readHeader(data);
  const n = header.n;
  const out = { steps: new Float64Array(n), values: new Float64Array(n), times: new Float64Array(n) };
  decodeWith(header, data, out, 0);
  return out;
}

/** Points in a chunk blob (its header checked). */
export function chunkPointCount(data: Uint8Array): number {
  return readHeader(data).n;
}

/**
 * Decodes a chunk into `out` from index `at` (the columns must have room); returns the number
 * of points. Lets a caller gather many chunks into one set of columns without copies between.
 */
export function decodeChunkInto(data: Uint8Array, out: DecodedPoints, at: number): number {
  return decodeWith(readHeader(data), data, out, at);
}

function decodeWith(header: Header, data: Uint8Array, out: DecodedPoints, at: number): number {
  const { n, stepMode, timeMode, baseStep, stride, baseTime } = header;
  if (out.steps.length < at + n || out.values.length < at + n || out.times.length < at + n) {
    throw new RangeError(`no room for ${n} points at ${at}`);
  }
  let offset = HEADER_BYTES;
  offset += readFloats(data, offset, out.values, at, n);
  offset += timeMode === TimeMode.Uint32 ? readOffsets(data, offset, out.times, at, n, baseTime) : readFloats(data, offset, out.times, at, n);
  if (stepMode === StepMode.Stride) {
    const steps = out.steps;
    for (let i = 0; i < n; i++) steps[at + i] = baseStep + i * stride;
  } else if (stepMode === StepMode.Uint32) {
    readOffsets(data, offset, out.steps, at, n, baseStep);
  } else {
    readFloats(data, offset, out.steps, at, n);
  }
  return n;
}

/**
 * Steps and values only, for scans such as downsampling: skips the time column, views the
 * values in place where the blob is 8-byte aligned (blobs read from SQLite are), and writes
 * the steps into `scratch` when it is large enough. The returned arrays may share memory with
 * `data` and `scratch`: use them before the next call.
 */
export function decodeStepsAndValues(data: Uint8Array, scratch?: Float64Array): { steps: Float64Array; values: Float64Array } {
  const { n, stepMode, timeMode, baseStep, stride } = readHeader(data);
  const valuesAt = data.byteOffset + HEADER_BYTES;
  let values: Float64Array;
  if (LITTLE_ENDIAN && valuesAt % 8 === 0) {
    values = new Float64Array(data.buffer, valuesAt, n);
  } else {
    values = new Float64Array(n);
    readFloats(data, HEADER_BYTES, values, 0, n);
  }
  const steps = scratch !== undefined && scratch.length >= n ? scratch : new Float64Array(n);
  if (stepMode === StepMode.Stride) {
    for (let i = 0; i < n; i++) steps[i] = baseStep + i * stride;
  } else {
    const stepsAt = HEADER_BYTES + n * (8 + (timeMode === TimeMode.Uint32 ? 4 : 8));
    if (stepMode === StepMode.Uint32) readOffsets(data, stepsAt, steps, 0, n, baseStep);
    else readFloats(data, stepsAt, steps, 0, n);
  }
  return { steps: steps.length === n ? steps : steps.subarray(0, n), values };
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
function readHeader(data: Uint8Array): Header {
  if (data.byteLength < HEADER_BYTES) throw new ChunkCodecError(`chunk too short: ${data.byteLength} bytes`);
  const view = new DataView(data.buffer, data.byteOffset, HEADER_BYTES);
  const version = view.getUint8(0);
  if (version !== CHUNK_FORMAT_VERSION) throw new ChunkCodecError(`unknown chunk format version ${version}`);
  const stepMode = view.getUint8(1) as StepMode;
  const timeMode = view.getUint8(2) as TimeMode;
  if (stepMode > StepMode.Stride || timeMode > TimeMode.Uint32) {
    throw new ChunkCodecError(`unknown chunk modes ${stepMode}/${timeMode}`);
  }
  const n = view.getUint32(4, true);
  const timeBytes = timeMode === TimeMode.Uint32 ? 4 : 8;
  const stepBytes = stepMode === StepMode.Stride ? 0 : stepMode === StepMode.Uint32 ? 4 : 8;
  const expected = HEADER_BYTES + n * (8 + timeBytes + stepBytes);
  if (data.byteLength !== expected) {
    throw new ChunkCodecError(`chunk of ${n} points should be ${expected} bytes, is ${data.byteLength}`);
  }
  return { n, stepMode, timeMode, baseStep: view.getFloat64(8, true), stride: view.getFloat64(16, true), baseTime: view.getFloat64(24, true) };
}

/** Reads n float64 at byte `offset` of `data` into `target[at…]`; returns the bytes read. */
function readFloats(data: Uint8Array, offset: number, target: Float64Array, at: number, n: number): number {
  const bytes = n * 8;
  if (LITTLE_ENDIAN) {
    new Uint8Array(target.buffer, target.byteOffset + at * 8, bytes).set(new Uint8Array(data.buffer, data.byteOffset + offset, bytes));
  } else {
    const view = new DataView(data.buffer, data.byteOffset + offset, bytes);
    for (let i = 0; i < n; i++) target[at + i] = view.getFloat64(i * 8, true);
  }
  return bytes;
}

/** Reads n uint32 offsets from `base` at byte `offset` of `data` into `target[at…]`; returns the bytes read. */
function readOffsets(data: Uint8Array, offset: number, target: Float64Array, at: number, n: number, base: number): number {
  const where = data.byteOffset + offset;
  if (LITTLE_ENDIAN && where % 4 === 0) {
    const offsets = new Uint32Array(data.buffer, where, n);
    for (let i = 0; i < n; i++) target[at + i] = base + offsets[i];
  } else {
    const view = new DataView(data.buffer, where, n * 4);
    for (let i = 0; i < n; i++) target[at + i] = base + view.getUint32(i * 4, true);
  }
  return n * 4;
}
