/** Contract of MetricStore: ingestion, dedupe, reads, truncation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import type { SeriesPoints } from '../../core/types.ts';
import {
  endRun,
  concatPoints,
  createRandom,
  metricBatch,
  NEW_RUN,
  plain,
  points,
  referenceBuckets,
  referenceSeries,
  startRun,
  type StoreFactory,
  T0,
  useStore,
} from './fixtures.ts';
import type { Store } from '../store.ts';
import { seriesExtremes } from '../../core/metrics/series-extremes.ts';

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/** What the metric cases need beyond a fresh store. */
export interface MetricContractOptions {
  /**
   * Closes a store and opens it again on the same data, as after a crash: for a durable
   * implementation (absent: the crash case is skipped).
   */
  readonly reopen?: (store: Store) => Promise<Store>;
}

/** SDK-sized batches (50 points a key) of `loss` at steps 0… and `lr` every tenth step, as a run sends them. */
async function sendSdkBatches(store: Store, runId: number, batches: number, seed: number, first = 0): Promise<{ loss: SeriesPoints[]; lr: SeriesPoints[] }> {
  const rand = createRandom(seed);
  const sent = { loss: [] as SeriesPoints[], lr: [] as SeriesPoints[] };
  for (let b = first; b < first + batches; b++) {
    const steps = range(b * 50, 50);
    const loss = points(steps, steps.map(() => (rand() < 0.01 ? NaN : rand() * 10)));
    const tenth = steps.filter((step) => step % 10 === 0);
    const lr = points(tenth, tenth.map((step) => 1 / (1 + step)));
    sent.loss.push(loss);
    sent.lr.push(lr);
    await store.recordMetrics(metricBatch(runId, { loss, lr }, `sdk-${b}`, (b + 1) * 1000));
  }
  return sent;
}

/** What `listSeries` says of points sent (distinct steps). */
function referenceInfo(key: string, all: SeriesPoints) {
  const sorted = referenceSeries(all);
  const numbers = Array.from(sorted.values).filter((v) => !Number.isNaN(v));
  const n = sorted.steps.length;
  return {
    key,
    count: n,
    firstStep: sorted.steps[0],
    lastStep: sorted.steps[n - 1],
    lastValue: sorted.values[n - 1],
    min: numbers.length === 0 ? NaN : Math.min(...numbers),
    max: numbers.length === 0 ? NaN : Math.max(...numbers),
  };
}

export function metricContract(createStore: StoreFactory, options: MetricContractOptions = {}): void {
  describe('metrics', () => {
    const store = useStore(createStore);

    it('records a batch and summarizes its series', async () => {
      const { job, run } = await startRun(store());
      const result = await store().recordMetrics(
        metricBatch(run.id, {
          loss: points([0, 1, 2], [3, 1, 2]),
          acc: points([0, 2], [0.5, 0.7]),
          empty: points([], []),
        }),
      );
      assert.deepEqual(result, { accepted: 5, duplicate: false });
      assert.deepEqual(await store().listSeries(job.id), [
        { key: 'acc', count: 2, firstStep: 0, lastStep: 2, lastValue: 0.7, min: 0.5, max: 0.7 },
        { key: 'loss', count: 3, firstStep: 0, lastStep: 2, lastValue: 2, min: 1, max: 3 },
      ]);
      assert.deepEqual(await store().latestValues(job.id), { acc: { step: 2, value: 0.7 }, loss: { step: 2, value: 2 } });
      assert.deepEqual(plain(await store().readSeries(job.id, 'loss')), plain(points([0, 1, 2], [3, 1, 2])));
      assert.deepEqual(await store().listSeries(job.id + 1000), []);
      assert.deepEqual(plain(await store().readSeries(job.id, 'nope')), { steps: [], values: [], times: [] });
    });

    it('reads the latest values of several jobs at once', async () => {
      const a = await startRun(store());
      const b = await startRun(store());
      const quiet = await startRun(store());
      await store().recordMetrics(metricBatch(a.run.id, { loss: points([1, 2], [3, 2]), acc: points([1], [0.5]) }));
      await store().recordMetrics(metricBatch(b.run.id, { loss: points([5], [NaN]) }));
      const latest = await store().latestValuesOfJobs([a.job.id, b.job.id, quiet.job.id, 9999]);
      assert.deepEqual([...latest.keys()].sort((x, y) => x - y), [a.job.id, b.job.id]);
      assert.deepEqual(latest.get(a.job.id), await store().latestValues(a.job.id));
      assert.deepEqual(latest.get(a.job.id), { acc: { step: 1, value: 0.5 }, loss: { step: 2, value: 2 } });
      assert.ok(Number.isNaN(latest.get(b.job.id)?.loss.value));
      assert.equal((await store().latestValuesOfJobs([])).size, 0);
    });

    it('reads the extremes of one series of many jobs at once, as readSeries gives its points', async () => {
      const big = await startRun(store());
      await sendSdkBatches(store(), big.run.id, 47, 9); // chunks and buffered points
      await store().recordMetrics(metricBatch(big.run.id, { loss: points([999.5, 2000, 2000], [-5, -5, 50]) }, 'late'));
      const small = await startRun(store());
      await store().recordMetrics(metricBatch(small.run.id, { loss: points([3, 1, 2, 2], [0.5, 0.7, 0.1, 0.1]) }));
      const nan = await startRun(store());
      await store().recordMetrics(metricBatch(nan.run.id, { loss: points([1, 2], [NaN, NaN]), acc: points([1], [0.5]) }));
      const other = await startRun(store());
      await store().recordMetrics(metricBatch(other.run.id, { acc: points([1], [0.5]) }));
      const ids = [big.job.id, small.job.id, nan.job.id, other.job.id, 9999];
      const got = await store().seriesExtremesOfJobs(ids, 'loss');
      assert.deepEqual([...got.keys()].sort((x, y) => x - y), [big.job.id, small.job.id, nan.job.id]);
      for (const id of [big.job.id, small.job.id, nan.job.id]) {
        const p = await store().readSeries(id, 'loss');
        assert.deepEqual(got.get(id), seriesExtremes(p.steps, p.values), `job ${id}`);
      }
      assert.deepEqual(got.get(small.job.id), { final: { step: 3, value: 0.5 }, min: { step: 2, value: 0.1 }, max: { step: 1, value: 0.7 } });
      assert.deepEqual(got.get(nan.job.id), { final: null, min: null, max: null });
      assert.equal((await store().seriesExtremesOfJobs([], 'loss')).size, 0);
    });

    it('ignores a batch id seen before for the same run, and saves log offsets atomically', async () => {
      const { job, run } = await startRun(store());
      const first = metricBatch(run.id, { loss: points([1, 2], [1, 2]) }, 'b-1', 100);
      assert.deepEqual(await store().recordMetrics(first), { accepted: 2, duplicate: false });
      assert.equal(await store().getLogOffset(run.id), 100);
      const again = metricBatch(run.id, { loss: points([3], [3]) }, 'b-1', 200);
      assert.deepEqual(await store().recordMetrics(again), { accepted: 0, duplicate: true });
      assert.equal(await store().getLogOffset(run.id), 100, 'a duplicate writes nothing');
      assert.equal((await store().listSeries(job.id))[0].count, 2);

      assert.equal((await store().recordMetrics(metricBatch(run.id, { loss: points([3], [3]) }, 'b-2'))).duplicate, false);
      assert.equal(await store().getLogOffset(run.id), 100, 'no logOffset leaves it alone');
      for (let i = 0; i < 2; i++) {
        assert.equal((await store().recordMetrics(metricBatch(run.id, { loss: points([10 + i], [1]) }, null))).duplicate, false);
      }
      const other = await startRun(store());
      const sameId = await store().recordMetrics(metricBatch(other.run.id, { loss: points([1], [1]) }, 'b-1'));
      assert.deepEqual(sameId, { accepted: 1, duplicate: false }, 'batch ids are per run');
      assert.equal((await store().listSeries(job.id))[0].count, 5);
    });

    it('rejects a batch for a missing run or with ragged columns, writing nothing', async () => {
      const { job, run } = await startRun(store());
      await assert.rejects(store().recordMetrics(metricBatch(run.id + 1000, { x: points([1], [1]) })), NotFoundError);
      const ragged: SeriesPoints = { steps: [1, 2], values: [1], times: [T0, T0] };
      await assert.rejects(
        store().recordMetrics(metricBatch(run.id, { ok: points([1], [1]), bad: ragged }, 'r', 50)),
        ValidationError,
      );
      assert.deepEqual(await store().listSeries(job.id), []);
      assert.equal(await store().getLogOffset(run.id), 0);
      assert.equal((await store().recordMetrics(metricBatch(run.id, { ok: points([1], [1]) }, 'r'))).duplicate, false);
    });

    it('keeps series per job', async () => {
      const a = await startRun(store());
      const b = await startRun(store());
      await store().recordMetrics(metricBatch(a.run.id, { loss: points([1], [1]) }));
      await store().recordMetrics(metricBatch(b.run.id, { loss: points([1, 2], [5, 6]) }));
      assert.equal((await store().listSeries(a.job.id))[0].count, 1);
      assert.equal((await store().listSeries(b.job.id))[0].count, 2);
    });

    it('round-trips NaN and infinities; min/max ignore NaN', async () => {
      const { job, run } = await startRun(store());
      const p = points([1, 2, 3, 4, 5], [NaN, Infinity, 2, -Infinity, NaN]);
      await store().recordMetrics(metricBatch(run.id, { v: p, nan: points([1, 2], [NaN, NaN]) }));
      assert.deepEqual(plain(await store().readSeries(job.id, 'v')), plain(p));
      const [nan, v] = await store().listSeries(job.id);
      assert.ok(Number.isNaN(nan.min) && Number.isNaN(nan.max) && Number.isNaN(nan.lastValue));
      assert.deepEqual(v, { key: 'v', count: 5, firstStep: 1, lastStep: 5, lastValue: NaN, min: -Infinity, max: Infinity });
      assert.ok(Number.isNaN((await store().latestValues(job.id)).v.value));
    });

    it('returns points sorted by step after out-of-order SDK-sized batches', async () => {
      const { job, run } = await startRun(store());
      const rand = createRandom(7);
      const steps = range(0, 3000);
      // Swap neighbours across batch edges so points arrive slightly out of order.
      for (let i = 0; i + 60 < steps.length; i += 50) [steps[i + 45], steps[i + 60]] = [steps[i + 60], steps[i + 45]];
      const sent: SeriesPoints[] = [];
      for (let i = 0; i < steps.length; i += 50) {
        const part = steps.slice(i, i + 50);
        const p = points(part, part.map(() => (rand() < 0.02 ? NaN : rand() * 10)));
        sent.push(p);
        await store().recordMetrics(metricBatch(run.id, { loss: p, lr: points(part, part.map((s) => s / 1000)) }, `b${i}`));
      }
      const all = concatPoints(sent);
      assert.deepEqual(plain(await store().readSeries(job.id, 'loss')), plain(referenceSeries(all)));
      assert.deepEqual(plain(await store().readSeries(job.id, 'loss', { from: 1234, to: 2345 })), plain(referenceSeries(all, 1234, 2345)));
      assert.deepEqual(plain(await store().readSeries(job.id, 'loss', { from: 2990 })), plain(referenceSeries(all, 2990)));
      assert.deepEqual(plain(await store().readSeries(job.id, 'loss', { to: 5 })), plain(referenceSeries(all, -Infinity, 5)));
      assert.equal((await store().readSeries(job.id, 'loss', { from: 10, to: 5 })).steps.length, 0);
      const info = (await store().listSeries(job.id)).find((s) => s.key === 'loss');
      assert.equal(info?.count, 3000);
      assert.equal(info?.lastStep, 2999);
    });

    it('downsamples into buckets exactly as the point-by-point rule', async () => {
      const { job, run } = await startRun(store());
      const rand = createRandom(11);
      const sent: SeriesPoints[] = [];
      const sizes = [5000, 37, 1, 999, 1000, 2500, 64, 3];
      let next = 0;
      for (const size of sizes) {
        const steps = range(next, size).map((s) => s * 3);
        next += size;
        if (size > 2) [steps[0], steps[size - 1]] = [steps[size - 1], steps[0]];
        const p = points(steps, steps.map(() => (rand() < 0.01 ? NaN : rand() * 100 - 50)));
        sent.push(p);
        await store().recordMetrics(metricBatch(run.id, { loss: p }));
      }
      // A late batch reaching back into earlier chunks.
      const late = points([1, 4, 7, 3001], [1000, -1000, 5, 6]);
      sent.push(late);
      await store().recordMetrics(metricBatch(run.id, { loss: late }));
      const all = concatPoints(sent);
      const cases: [number, { from?: number; to?: number }][] = [
        [1, {}],
        [7, {}],
        [100, {}],
        [1000, {}],
        [5000, {}],
        [10, { from: 1000, to: 20_000 }],
        [33, { from: 2999.5 }],
        [4, { to: 30 }],
        [3, { from: -100, to: 100_000 }],
        [5, { from: 300, to: 300 }],
      ];
      for (const [n, r] of cases) {
        assert.deepEqual(await store().readBuckets(job.id, 'loss', n, r), referenceBuckets('loss', all, n, r), `${n} buckets ${JSON.stringify(r)}`);
      }
      const empty = { key: 'loss', steps: [], min: [], max: [], last: [], count: [] };
      assert.deepEqual(await store().readBuckets(job.id, 'loss', 10, { from: 1e9 }), empty);
      assert.deepEqual(await store().readBuckets(job.id, 'none', 10), { ...empty, key: 'none' });
      await assert.rejects(store().readBuckets(job.id, 'loss', 0), ValidationError);
      await assert.rejects(store().readBuckets(job.id, 'loss', 2.5), ValidationError);
    });

    it('keeps a long series exact across many chunks, with truncation in the middle', async () => {
      const { job, run } = await startRun(store());
      const rand = createRandom(3);
      const batches: SeriesPoints[] = [];
      for (let start = 0; start < 150_000; start += 10_000) {
        const steps = range(start, 10_000);
        batches.push(points(steps, steps.map(() => rand())));
        await store().recordMetrics(metricBatch(run.id, { loss: batches[batches.length - 1] }));
      }
      let all: SeriesPoints = concatPoints(batches);
      for (const [n, r] of [[1000, {}], [777, { from: 5 }], [3, { from: 60_000, to: 61_234 }]] as const) {
        assert.deepEqual(await store().readBuckets(job.id, 'loss', n, r), referenceBuckets('loss', all, n, r));
      }
      await store().truncateAfter(job.id, 70_500);
      all = referenceSeries(all, -Infinity, 70_500);
      assert.equal((await store().listSeries(job.id))[0].count, 70_501);
      assert.deepEqual(await store().readBuckets(job.id, 'loss', 500), referenceBuckets('loss', all, 500));
      await store().recordMetrics(metricBatch(run.id, { loss: points([70_501, 70_502], [-1, -2]) }));
      assert.deepEqual(plain(await store().readSeries(job.id, 'loss', { from: 70_499 })).values, [all.values[70_499], all.values[70_500], -1, -2]);
    });

    it('reads the same whether points are still buffered or already in chunks', async () => {
      // 47 SDK-sized batches: a store that buffers small batches holds some of them in chunks
      // and the last ones buffered; reads must not tell the two apart.
      const { job, run } = await startRun(store());
      const sent = await sendSdkBatches(store(), run.id, 47, 5);
      // A late batch reaching back into earlier points, across any boundary between the two.
      const late = points([999.5, 1999.5, 2000.5, 2300.5], [-5, 50, NaN, 7]);
      await store().recordMetrics(metricBatch(run.id, { loss: late }, 'late'));
      const loss = concatPoints([...sent.loss, late]);
      const lr = concatPoints(sent.lr);

      assert.deepEqual(plain(await store().readSeries(job.id, 'loss')), plain(referenceSeries(loss)));
      for (const r of [{ from: 1990, to: 2010 }, { from: 2300, to: 2349 }, { from: 2340 }, { to: 1000 }, { from: 999.5, to: 999.5 }]) {
        assert.deepEqual(plain(await store().readSeries(job.id, 'loss', r)), plain(referenceSeries(loss, r.from, r.to)), JSON.stringify(r));
      }
      assert.deepEqual(plain(await store().readSeries(job.id, 'lr', { from: 1995 })), plain(referenceSeries(lr, 1995)));
      const cases: [number, { from?: number; to?: number }][] = [[1, {}], [7, {}], [100, {}], [2350, {}], [3, { from: 1995, to: 2005 }], [50, { from: 1000, to: 2349 }], [10, { from: 2200 }]];
      for (const [n, r] of cases) {
        assert.deepEqual(await store().readBuckets(job.id, 'loss', n, r), referenceBuckets('loss', loss, n, r), `${n} buckets ${JSON.stringify(r)}`);
      }
      assert.deepEqual(await store().readBuckets(job.id, 'lr', 9), referenceBuckets('lr', lr, 9));

      const info = [referenceInfo('loss', loss), referenceInfo('lr', lr)];
      assert.deepEqual(await store().listSeries(job.id), info);
      const latest = { loss: { step: info[0].lastStep, value: info[0].lastValue }, lr: { step: info[1].lastStep, value: info[1].lastValue } };
      assert.deepEqual(await store().latestValues(job.id), latest);
      assert.deepEqual((await store().latestValuesOfJobs([job.id])).get(job.id), latest);
      assert.equal(await store().getLogOffset(run.id), 47_000);
    });

    it('truncates points still buffered and points already in chunks', async () => {
      const { job, run } = await startRun(store());
      const sent = await sendSdkBatches(store(), run.id, 47, 6);
      let loss: SeriesPoints = concatPoints(sent.loss);
      for (const step of [2210, 2000, 1500.5]) {
        await store().truncateAfter(job.id, step);
        loss = referenceSeries(loss, -Infinity, step);
        assert.deepEqual(plain(await store().readSeries(job.id, 'loss')), plain(loss), `after ${step}`);
        assert.deepEqual(await store().readBuckets(job.id, 'loss', 37), referenceBuckets('loss', loss, 37), `after ${step}`);
        assert.deepEqual((await store().listSeries(job.id))[0], referenceInfo('loss', loss), `after ${step}`);
      }
      // Batch ids outlive truncation: a retried upload of a truncated batch stays out.
      assert.equal((await store().recordMetrics(metricBatch(run.id, { loss: points([9999], [1]) }, 'sdk-46'))).duplicate, true);

      // The job resumes from step 1500 in a new run, which sends on from there.
      await endRun(store(), run, 'queued', T0 + 99);
      const resumed = await store().claimJob(job.id, { ...NEW_RUN, resumedFrom: 1, resumeStep: 1500 }, T0 + 100);
      assert.ok(resumed);
      const more = await sendSdkBatches(store(), resumed.run.id, 25, 7, 31);
      loss = concatPoints([loss, ...more.loss]);
      assert.deepEqual(plain(await store().readSeries(job.id, 'loss')), plain(referenceSeries(loss)));
      assert.deepEqual(await store().readBuckets(job.id, 'loss', 100), referenceBuckets('loss', loss, 100));
      assert.deepEqual((await store().listSeries(job.id))[0], referenceInfo('loss', loss));
    });

    it('keeps acknowledged points across a crash, buffered ones included', { skip: options.reopen === undefined && 'the store is not durable' }, async () => {
      let crashed = await createStore();
      try {
        const { job, run } = await startRun(crashed);
        const sent = await sendSdkBatches(crashed, run.id, 27, 8);
        crashed = await options.reopen!(crashed);
        const loss = concatPoints(sent.loss);
        assert.deepEqual(plain(await crashed.readSeries(job.id, 'loss')), plain(referenceSeries(loss)));
        assert.deepEqual(await crashed.readBuckets(job.id, 'loss', 11), referenceBuckets('loss', loss, 11));
        assert.deepEqual(await crashed.listSeries(job.id), [referenceInfo('loss', loss), referenceInfo('lr', concatPoints(sent.lr))]);
        assert.equal(await crashed.getLogOffset(run.id), 27_000, 'the log offset was saved with the points');
        // The SDK resends what it had not seen acknowledged: the ids it had stay out.
        assert.equal((await crashed.recordMetrics(metricBatch(run.id, { loss: points([0], [1]) }, 'sdk-26'))).duplicate, true);
        const more = await sendSdkBatches(crashed, run.id, 5, 9, 27);
        assert.deepEqual(plain(await crashed.readSeries(job.id, 'loss', { from: 1300 })), plain(referenceSeries(concatPoints([loss, ...more.loss]), 1300)));
      } finally {
        await crashed.close();
      }
    });

    it('truncates the series of a job after a step, across chunks', async () => {
      const { job, run } = await startRun(store());
      for (let i = 0; i < 2500; i += 500) {
        await store().recordMetrics(metricBatch(run.id, { loss: points(range(i, 500), range(i, 500)), short: points([i], [i]) }));
      }
      const other = await startRun(store());
      await store().recordMetrics(metricBatch(other.run.id, { loss: points([5000], [1]) }));

      await store().truncateAfter(job.id, 1234.5);
      const loss = await store().readSeries(job.id, 'loss');
      assert.deepEqual(Array.from(loss.steps), range(0, 1235));
      assert.deepEqual(await store().listSeries(job.id), [
        { key: 'loss', count: 1235, firstStep: 0, lastStep: 1234, lastValue: 1234, min: 0, max: 1234 },
        { key: 'short', count: 3, firstStep: 0, lastStep: 1000, lastValue: 1000, min: 0, max: 1000 },
      ]);
      assert.equal((await store().listSeries(other.job.id))[0].count, 1, 'other jobs keep their points');

      // The job resumes in a new run from step 1234 and writes on.
      await endRun(store(), run, 'queued', T0 + 99);
      const resumed = await store().claimJob(job.id, { ...NEW_RUN, resumedFrom: 1, resumeStep: 1234 }, T0 + 100);
      assert.ok(resumed);
      await store().recordMetrics(metricBatch(resumed.run.id, { loss: points(range(1235, 100), range(1235, 100).map(() => -1)) }));
      const after = await store().readSeries(job.id, 'loss');
      assert.deepEqual(Array.from(after.steps), range(0, 1335));
      assert.deepEqual(await store().readBuckets(job.id, 'loss', 2), referenceBuckets('loss', after, 2));

      await store().truncateAfter(job.id, -Infinity);
      assert.deepEqual(await store().listSeries(job.id), []);
      assert.equal((await store().readSeries(job.id, 'loss')).steps.length, 0);
      await store().recordMetrics(metricBatch(resumed.run.id, { loss: points([7], [7]) }));
      assert.deepEqual(await store().latestValues(job.id), { loss: { step: 7, value: 7 } });
    });
  });
}
