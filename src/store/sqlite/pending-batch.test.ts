import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkCodecError, decodeChunk, type DecodedPoints, summarizePoints } from '../../core/metrics/chunk-codec.ts';
import { createScratch, encodePendingBatch, forEachPendingEntry, pendingChunkOf, type PendingEntry } from './pending-batch.ts';

const cols = (steps: number[], values: number[], times = steps.map((s) => 1e12 + s * 7)): DecodedPoints => ({
  steps: Float64Array.from(steps),
  values: Float64Array.from(values),
  times: Float64Array.from(times),
});
const plain = (p: DecodedPoints) => ({ steps: Array.from(p.steps), values: Array.from(p.values), times: Array.from(p.times) });

describe('pending-batch', () => {
  const series: Array<[string, DecodedPoints]> = [
    ['loss', cols([1, 2, 3], [0.5, NaN, -Infinity])],
    ['ключ/ü', cols([10.5], [42], [1.5])],
    ['x', cols([7, 7, 9], [1, 2, 3])],
  ];

  it('round-trips every key, its points bit for bit, and its summary', () => {
    const data = encodePendingBatch(series);
    const entries: PendingEntry[] = [];
    forEachPendingEntry(data, (entry) => entries.push(entry));
    assert.deepEqual(entries.map((e) => e.key), ['loss', 'ключ/ü', 'x']);
    entries.forEach((entry, i) => {
      assert.deepEqual(plain(decodeChunk(entry.chunk)), plain(series[i][1]));
      assert.deepEqual(entry.summary, summarizePoints(series[i][1]));
      assert.equal((entry.chunk.byteOffset - data.byteOffset) % 8, 0, 'chunks start 8-aligned');
    });
    assert.deepEqual(plain(decodeChunk(pendingChunkOf(data, 'x')!)), plain(series[2][1]));
    assert.equal(pendingChunkOf(data, 'nope'), null);
  });

  it('reads a blob from an unaligned copy', () => {
    const data = encodePendingBatch(series);
    const shifted = Buffer.alloc(data.length + 3).subarray(3);
    data.copy(shifted);
    assert.deepEqual(plain(decodeChunk(pendingChunkOf(shifted, 'loss')!)), plain(series[0][1]));
  });

  it('encodes into reused memory, growing it when a batch needs more', () => {
    const scratch = createScratch();
    const small = encodePendingBatch(series, scratch);
    assert.equal(small.buffer, scratch.buffer.buffer);
    assert.deepEqual(small, encodePendingBatch(series));
    const steps = Array.from({ length: 10_000 }, (_, i) => i * 0.5);
    const large = encodePendingBatch([['big', cols(steps, steps)]], scratch);
    assert.ok(large.length > 64 << 10);
    assert.deepEqual(plain(decodeChunk(pendingChunkOf(large, 'big')!)), plain(cols(steps, steps)));
  });

  it('refuses a blob it did not write, and a truncated one', () => {
    const data = encodePendingBatch(series);
    assert.throws(() => forEachPendingEntry(Buffer.from('hello, world'), () => {}), ChunkCodecError);
    assert.throws(() => forEachPendingEntry(data.subarray(0, data.length - 16), () => {}), ChunkCodecError);
  });
});
