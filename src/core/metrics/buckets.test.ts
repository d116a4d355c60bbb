import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BucketedSeries, SeriesPoints } from '../types.ts';
import {
  BucketRangeError,
  type BucketInput,
  bucketOf,
  createBucketLayout,
  downsample,
  fitsOneBucket,
} from './buckets.ts';
import { summarizePoints } from './chunk-codec.ts';

/** Straightforward per-point reference: sort by step (stable), then fold each bucket. */
function bruteForce(key: string, p: SeriesPoints, from: number, to: number, n: number): BucketedSeries {
  const layout = createBucketLayout(from, to, n);
  const idx = Array.from({ length: p.steps.length }, (_, i) => i)
    .filter((i) => p.steps[i] >= from && p.steps[i] <= to)
    .sort((a, b) => p.steps[a] - p.steps[b]);
  const out: BucketedSeries = { key, steps: [], min: [], max: [], last: [], count: [] };
  let current = -1;
  for (const i of idx) {
    const b = bucketOf(layout, p.steps[i]);
    const v = p.values[i];
    if (b !== current) {
      current = b;
      out.steps.push(p.steps[i]);
      out.min.push(NaN);
      out.max.push(NaN);
      out.last.push(v);
      out.count.push(0);
    }
    const k = out.steps.length - 1;
    out.steps[k] = p.steps[i];
    out.last[k] = v;
    out.count[k]++;
    if (!Number.isNaN(v)) {
      out.min[k] = Number.isNaN(out.min[k]) ? v : Math.min(out.min[k], v);
      out.max[k] = Number.isNaN(out.max[k]) ? v : Math.max(out.max[k], v);
    }
  }
  return out;
}

function slice(p: SeriesPoints, start: number, end: number): SeriesPoints {
  return {
    steps: Array.prototype.slice.call(p.steps, start, end),
    values: Array.prototype.slice.call(p.values, start, end),
    times: Array.prototype.slice.call(p.times, start, end),
  };
}

/** Chunks of `size` consecutive points; those inside one bucket go in as summaries. */
function chunked(p: SeriesPoints, size: number, layout: ReturnType<typeof createBucketLayout>, sorted = false): BucketInput[] {
  const inputs: BucketInput[] = [];
  for (let start = 0, order = 0; start < p.steps.length; start += size, order++) {
    const part = slice(p, start, start + size);
    const summary = summarizePoints(part);
    inputs.push(fitsOneBucket(layout, summary) ? { summary, order } : { points: part, order, sorted });
  }
  return inputs;
}

function series(n: number, valueOf: (i: number) => number, stepOf = (i: number) => i): SeriesPoints {
  return {
    steps: Array.from({ length: n }, (_, i) => stepOf(i)),
    values: Array.from({ length: n }, (_, i) => valueOf(i)),
    times: Array.from({ length: n }, () => 0),
  };
}

describe('buckets', () => {
  it('places steps into equal ranges, `to` into the last', () => {
    const layout = createBucketLayout(0, 100, 10);
    assert.equal(bucketOf(layout, 0), 0);
    assert.equal(bucketOf(layout, 9.99), 0);
    assert.equal(bucketOf(layout, 10), 1);
    assert.equal(bucketOf(layout, 100), 9);
    assert.equal(bucketOf(createBucketLayout(5, 5, 10), 5), 0);
  });

  it('tells chunks inside one bucket from straddling ones', () => {
    const layout = createBucketLayout(0, 100, 10);
    assert.ok(fitsOneBucket(layout, { firstStep: 10, lastStep: 19 }));
    assert.ok(!fitsOneBucket(layout, { firstStep: 15, lastStep: 25 }));
    assert.ok(!fitsOneBucket(layout, { firstStep: -1, lastStep: 5 }));
    assert.ok(!fitsOneBucket(layout, { firstStep: 95, lastStep: 101 }));
  });

  it('matches the per-point computation for mixed summaries and points', () => {
    const p = series(10_000, (i) => Math.sin(i / 50) * 100 + (i % 7));
    for (const [from, to, n, size] of [
      [0, 9999, 100, 100],
      [0, 9999, 7, 333],
      [1234, 5678, 50, 64],
      [0, 9999, 1000, 1000],
      [0, 9999, 3, 1],
    ]) {
      const layout = createBucketLayout(from, to, n);
      const expected = bruteForce('k', p, from, to, n);
      assert.deepEqual(downsample('k', layout, chunked(p, size, layout)), expected);
      assert.deepEqual(downsample('k', layout, chunked(p, size, layout, true)), expected, 'sorted path');
    }
  });

  it('ignores NaN in min/max and reports NaN for all-NaN buckets', () => {
    const p = series(100, (i) => (i < 50 ? NaN : i % 3 === 0 ? NaN : i));
    const layout = createBucketLayout(0, 99, 4);
    const got = downsample('k', layout, chunked(p, 10, layout));
    assert.deepEqual(got, bruteForce('k', p, 0, 99, 4));
    assert.ok(Number.isNaN(got.min[0]) && Number.isNaN(got.max[1]));
    assert.equal(got.min[2], 50);
  });

  it('keeps infinities and omits empty buckets', () => {
    const p = series(4, (i) => [Infinity, -Infinity, 1, 2][i], (i) => [0, 1, 90, 91][i]);
    const layout = createBucketLayout(0, 100, 10);
    const got = downsample('k', layout, [{ points: p, order: 0 }]);
    assert.deepEqual(got.steps, [1, 91]);
    assert.deepEqual(got.min, [-Infinity, 1]);
    assert.deepEqual(got.max, [Infinity, 2]);
    assert.deepEqual(got.count, [2, 2]);
  });

  it('takes the last value of equal steps from the later input', () => {
    const layout = createBucketLayout(0, 10, 1);
    const a = series(2, (i) => i, (i) => i * 10);
    const b = series(1, () => 99, () => 10);
    assert.deepEqual(downsample('k', layout, [{ points: b, order: 2 }, { points: a, order: 1 }]).last, [99]);
    const summary = summarizePoints(b);
    assert.deepEqual(downsample('k', layout, [{ points: a, order: 3 }, { summary, order: 2 }]).last, [1]);
  });

  it('handles sorted inputs with equal steps, NaN and points outside the range', () => {
    const p = series(12, (i) => [5, NaN, 7, 1, 2, NaN, 3, 9, 9, 4, 8, 6][i], (i) => [-5, 0, 0, 1, 2, 2, 2, 5, 9, 9, 10, 11][i]);
    for (const [from, to, n] of [[0, 10, 3], [0, 10, 10], [2, 2, 4], [-10, 20, 1], [3, 4, 2]]) {
      const layout = createBucketLayout(from, to, n);
      assert.deepEqual(downsample('k', layout, [{ points: p, order: 0, sorted: true }]), bruteForce('k', p, from, to, n), `${from}..${to}/${n}`);
      assert.deepEqual(downsample('k', layout, [{ points: p, order: 0 }]), bruteForce('k', p, from, to, n));
    }
  });

  it('rejects bad layouts', () => {
    assert.throws(() => createBucketLayout(0, 10, 0), BucketRangeError);
    assert.throws(() => createBucketLayout(0, 10, 1.5), BucketRangeError);
    assert.throws(() => createBucketLayout(10, 0, 5), BucketRangeError);
    assert.throws(() => createBucketLayout(0, Infinity, 5), BucketRangeError);
  });
});
