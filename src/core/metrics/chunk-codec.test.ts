import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SeriesPoints } from '../types.ts';
import { ChunkCodecError, decodeChunk, decodeStepsAndValues, encodeChunk, summarizePoints } from './chunk-codec.ts';

function points(steps: number[], values: number[], times: number[]): SeriesPoints {
  return { steps, values, times };
}

function roundTrip(p: SeriesPoints): void {
  const { data } = encodeChunk(p);
  const out = decodeChunk(data);
  const scan = decodeStepsAndValues(data);
  assert.deepEqual(Array.from(scan.steps), Array.from(out.steps));
  assert.deepEqual(Buffer.from(scan.values.buffer, scan.values.byteOffset, scan.values.byteLength), Buffer.from(out.values.buffer));
  assert.deepEqual(Array.from(out.steps), Array.from(p.steps));
  assert.deepEqual(Array.from(out.times), Array.from(p.times));
  // Bit-for-bit: NaN, ±Infinity and -0 included.
  assert.deepEqual(
    Buffer.from(out.values.buffer),
    Buffer.from(new Float64Array(Array.from(p.values)).buffer),
  );
}

const T0 = 1_700_000_000_000;

describe('chunk-codec', () => {
  it('stores regular steps and integer times in 12 bytes a point', () => {
    const n = 1000;
    const p = points(
      Array.from({ length: n }, (_, i) => 5000 + i),
      Array.from({ length: n }, (_, i) => Math.sin(i)),
      Array.from({ length: n }, (_, i) => T0 + i * 37),
    );
    const { data, summary } = encodeChunk(p);
    assert.equal(data.length, 32 + n * 12);
    assert.equal(summary.count, n);
    assert.equal(summary.firstStep, 5000);
    assert.equal(summary.lastStep, 5999);
    assert.equal(summary.lastValue, Math.sin(999));
    roundTrip(p);
  });

  it('stores irregular integer steps as 4-byte offsets', () => {
    const p = points([10, 12, 11, 40, 40], [1, 2, 3, 4, 5], [T0, T0 + 5, T0 - 3, T0, T0 + 1]);
    assert.equal(encodeChunk(p).data.length, 32 + 5 * 16);
    roundTrip(p);
  });

  it('falls back to float64 for fractional or far-apart steps and times', () => {
    roundTrip(points([0.5, 1.25, 3], [1, 2, 3], [T0 + 0.5, T0 + 1, T0 + 2]));
    roundTrip(points([0, 2 ** 40, -(2 ** 40)], [1, 2, 3], [0, 2 ** 33, 5]));
    const frac = encodeChunk(points([0.5, 1.25, 3], [1, 2, 3], [T0, T0, T0]));
    assert.equal(frac.data.length, 32 + 3 * 20);
  });

  it('round-trips NaN, infinities and -0 values', () => {
    const p = points([1, 2, 3, 4, 5], [NaN, Infinity, -Infinity, -0, 0], [T0, T0, T0, T0, T0]);
    roundTrip(p);
    const s = encodeChunk(p).summary;
    assert.equal(s.min, -Infinity);
    assert.equal(s.max, Infinity);
    assert.ok(Object.is(s.lastValue, 0));
  });

  it('round-trips -0 steps and a single point', () => {
    roundTrip(points([-0, 1, 2], [1, 2, 3], [T0, T0, T0]));
    roundTrip(points([7], [0.1], [T0]));
  });

  it('summarizes ignoring NaN; NaN-only chunks have NaN min and max', () => {
    const s = summarizePoints(points([3, 1, 2], [NaN, 5, -1], [0, 0, 0]));
    assert.deepEqual(s, { count: 3, firstStep: 1, lastStep: 3, min: -1, max: 5, lastValue: NaN });
    const all = summarizePoints(points([1, 2], [NaN, NaN], [0, 0]));
    assert.ok(Number.isNaN(all.min) && Number.isNaN(all.max));
  });

  it('takes the later of equal last steps as the last value', () => {
    assert.equal(summarizePoints(points([1, 2, 2], [1, 2, 3], [0, 0, 0])).lastValue, 3);
  });

  it('encodes a slice of a larger array', () => {
    const p = points([0, 1, 2, 3, 4], [10, 11, 12, 13, 14], [T0, T0, T0, T0, T0]);
    const out = decodeChunk(encodeChunk(p, 1, 4).data);
    assert.deepEqual(Array.from(out.steps), [1, 2, 3]);
    assert.deepEqual(Array.from(out.values), [11, 12, 13]);
  });

  it('decodes from an unaligned view', () => {
    const { data } = encodeChunk(points([1, 5, 9], [0.5, 1.5, 2.5], [T0, T0 + 1, T0 + 2]));
    const shifted = Buffer.alloc(data.length + 3);
    data.copy(shifted, 3);
    assert.deepEqual(Array.from(decodeChunk(shifted.subarray(3)).values), [0.5, 1.5, 2.5]);
    assert.deepEqual(Array.from(decodeStepsAndValues(shifted.subarray(3)).values), [0.5, 1.5, 2.5]);
    assert.deepEqual(Array.from(decodeStepsAndValues(shifted.subarray(3)).steps), [1, 5, 9]);
  });

  it('rejects empty input, foreign and truncated blobs', () => {
    assert.throws(() => encodeChunk(points([], [], [])), ChunkCodecError);
    assert.throws(() => decodeChunk(Buffer.from('not a chunk at all, really not one')), ChunkCodecError);
    const { data } = encodeChunk(points([1, 2], [1, 2], [T0, T0]));
    assert.throws(() => decodeChunk(data.subarray(0, data.length - 1)), ChunkCodecError);
    assert.throws(() => decodeChunk(data.subarray(0, 10)), ChunkCodecError);
    assert.throws(() => decodeStepsAndValues(data.subarray(0, data.length - 1)), ChunkCodecError);
  });

  it('round-trips random inputs', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 50; round++) {
      const n = 1 + Math.floor(rand() * 300);
      const steps: number[] = [];
      const values: number[] = [];
      const times: number[] = [];
      const integral = rand() < 0.7;
      for (let i = 0; i < n; i++) {
        steps.push(integral ? Math.floor(rand() * 1e6) : rand() * 1e6);
        values.push(rand() < 0.05 ? NaN : (rand() - 0.5) * 1e3);
        times.push(T0 + Math.floor(rand() * 1e7));
      }
      roundTrip(points(steps, values, times));
    }
  });
});
