import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseStudySpec, trialJobSpec } from '../core/study.ts';
import { expandVariants } from '../core/study-variants.ts';
import { NotFoundError } from '../core/errors.ts';
import { summarizeSeries } from '../core/study-report.ts';
import { endRun } from '../store/contract/fixtures.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { createReportCache, loadStudyReport, type ReportStore } from './report.ts';

const T0 = 1_700_000_000_000;

/** The store, counting its series reads (one a job and metric) and its reads of runs, checkpoints and artifacts. */
function counting(store: Store, patchTrials?: (trials: Awaited<ReturnType<Store['listTrials']>>) => typeof trials) {
  const counts = { readSeries: 0, reads: 0, jobReads: 0 };
  const wrapped: ReportStore = {
    getStudy: (n) => store.getStudy(n),
    listTrials: async (id) => (patchTrials ? patchTrials(await store.listTrials(id)) : store.listTrials(id)),
    listRunsOfJobs: (ids) => {
      counts.jobReads++;
      return store.listRunsOfJobs(ids);
    },
    latestValuesOfJobs: (ids) => store.latestValuesOfJobs(ids),
    seriesExtremesOfJobs: (ids, key) => {
      counts.readSeries += ids.length;
      counts.reads++;
      return store.seriesExtremesOfJobs(ids, key);
    },
    listCheckpointsOfJobs: (ids) => {
      counts.jobReads++;
      return store.listCheckpointsOfJobs(ids);
    },
    listArtifactsOfJobs: (ids) => {
      counts.jobReads++;
      return store.listArtifactsOfJobs(ids);
    },
  };
  return { store: wrapped, counts };
}

describe('loadStudyReport', () => {
  let store: Store;
  let runs: number[] = [];

  before(async () => {
    store = await createSqliteStore(':memory:');
    const spec = parseStudySpec({ name: 's', job: { command: ['true'], cwd: '/tmp' }, params: { lr: { choice: [0.1, 0.2] } }, objective: { metric: 'loss', mode: 'min' }, parallelism: 2 });
    const study = await store.createStudy(spec, expandVariants(spec), T0);
    for (const v of expandVariants(spec)) {
      const launched = (await store.launchTrial(study.id, v.index, trialJobSpec(spec, v), T0 + 1))!;
      const claimed = (await store.claimJob(launched.job.id, { logPath: '/dev/null', resumedFrom: null, resumeStep: null }, T0 + 2))!;
      runs.push(claimed.run.id);
      await store.recordMetrics({ runId: claimed.run.id, batchId: null, series: new Map([['loss', { steps: [1, 2, 3], values: [0.9, 0.4 + v.index, 0.5 + v.index], times: [T0, T0, T0] }]]) });
    }
    // Trial 0 ends; trial 1 runs on.
    await store.endRun(runs[0], {
      run: { state: 'succeeded', exitCode: 0, signal: null, endedAt: T0 + 3_600_000, outcome: { kind: 'success', detail: '', retryable: false } },
      job: { state: 'succeeded', endedAt: T0 + 3_600_000, outcome: { kind: 'success', detail: '', retryable: false } },
    });
  });
  after(() => store.close());

  it('reads final, best and step of best from the stored series', async () => {
    const report = await loadStudyReport(store, 's', null, T0 + 7_200_000);
    assert.deepEqual(report.variants.map((v) => v.trials[0].metrics.loss), [
      { final: { step: 3, value: 0.5 }, best: { step: 2, value: 0.4 } },
      { final: { step: 3, value: 1.5 }, best: { step: 1, value: 0.9 } },
    ]);
    assert.equal(report.variants[0].trials[0].wallSeconds, 3599.998);
    assert.equal(report.variants[1].trials[0].wallSeconds, 7199.998, 'a running trial counts up to now');
    assert.match(report.specHash, /^[0-9a-f]{64}$/);
  });

  it('keeps an ended trial\'s reads, and reads a running one afresh', async () => {
    const cache = createReportCache();
    const { store: s, counts } = counting(store);
    await loadStudyReport(s, 's', null, T0, cache);
    assert.equal(counts.readSeries, 2);
    assert.equal(counts.reads, 1, 'one read for the metric of every trial');
    assert.equal(counts.jobReads, 3, 'one read each of every trial\'s runs, checkpoints and artifacts');
    await store.recordMetrics({ runId: runs[1], batchId: null, series: new Map([['loss', { steps: [4], values: [0.1], times: [T0] }]]) });
    const again = await loadStudyReport(s, 's', null, T0, cache);
    assert.equal(counts.readSeries, 3, 'only the running trial is read again');
    assert.deepEqual(again.variants[1].trials[0].metrics.loss.best, { step: 4, value: 0.1 });

    // The same job ended again later (resumed, then ended): read afresh.
    const later = counting(store, (trials) => trials.map((t) => (t.index === 0 ? { ...t, endedAt: t.endedAt! + 1 } : t)));
    await loadStudyReport(later.store, 's', null, T0, cache);
    assert.equal(later.counts.readSeries, 2);
  });

  it('refuses an unknown study by name', async () => {
    await assert.rejects(loadStudyReport(store, 'nope', null, T0), (e: unknown) => e instanceof NotFoundError && /nope/.test(e.message));
  });
});

describe('loadStudyReport reads each metric of every trial at once', () => {
  it('gives the report the per-job reads (readSeries of each job, summarizeSeries) give', async () => {
    const store = await createSqliteStore(':memory:');
    try {
      const spec = parseStudySpec({
        name: 'many', job: { command: ['true'], cwd: '/tmp' }, params: { lr: { choice: [0.1, 0.2, 0.3] } }, seeds: 2,
        objective: { metric: 'loss', mode: 'min' }, parallelism: 10,
      });
      const study = await store.createStudy(spec, expandVariants(spec), T0);
      let seed = 3;
      const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
      for (const v of expandVariants(spec)) {
        const launched = (await store.launchTrial(study.id, v.index, trialJobSpec(spec, v), T0 + 1))!;
        if (v.index === 1) {
          // A first attempt that failed and was retried: two runs.
          const first = (await store.claimJob(launched.job.id, { logPath: '/dev/null', resumedFrom: null, resumeStep: null }, T0 + 2))!;
          await endRun(store, first.run, 'queued', T0 + 2);
        }
        const claimed = (await store.claimJob(launched.job.id, { logPath: '/dev/null', resumedFrom: null, resumeStep: null }, T0 + 2))!;
        // Checkpoints (one deleted later) and artifacts of some trials, none of the others.
        if (v.index % 3 !== 2) {
          for (const step of [20, 10]) await store.registerCheckpoint({ jobId: launched.job.id, runId: claimed.run.id, step, path: `/ckpt/${step}.pt`, bytes: 1, metrics: {}, createdAt: T0 + step });
          if (v.index === 0) await store.markCheckpointDeleted((await store.listCheckpoints(launched.job.id))[0].id, T0 + 30);
          for (const name of ['b.png', 'a.csv']) {
            await store.attachArtifact({ jobId: launched.job.id, runId: claimed.run.id, name, kind: 'image', step: v.index, mediaType: 'image/png', bytes: 1, sha256: 'c'.repeat(64) }, T0 + 3);
          }
        }
        // Trial 0: a long series in chunks; the others: batches a run sends (buffered), with NaN and ties.
        const n = v.index === 0 ? 6000 : 40 + v.index * 7;
        const steps = Array.from({ length: n }, (_, i) => i);
        const coarse = () => (rand() < 0.1 ? NaN : Math.round(rand() * 8) / 4);
        const series = new Map([
          ['loss', { steps, values: steps.map(coarse), times: steps.map(() => T0) }],
          ...(v.index === 3 ? [] : [['acc', { steps, values: steps.map(coarse), times: steps.map(() => T0) }] as const]),
          ...(v.index === 4 ? [['error_rate', { steps: [1, 2], values: [NaN, NaN], times: [T0, T0] }] as const] : []),
        ]);
        await store.recordMetrics({ runId: claimed.run.id, batchId: null, series });
        await store.recordMetrics({ runId: claimed.run.id, batchId: 'late', series: new Map([['loss', { steps: [n - 1, 5], values: [0, -1], times: [T0, T0] }]]) });
        if (v.index % 2 === 0) {
          await store.endRun(claimed.run.id, {
            run: { state: 'succeeded', exitCode: 0, signal: null, endedAt: T0 + 60_000, outcome: { kind: 'success', detail: '', retryable: false } },
            job: { state: 'succeeded', endedAt: T0 + 60_000, outcome: { kind: 'success', detail: '', retryable: false } },
          });
        }
      }
      // The per-job path the report took before: each job's runs, checkpoints, artifacts and series
      // listed, each series read whole.
      const perJob: ReportStore = {
        ...store,
        getStudy: (n) => store.getStudy(n),
        listTrials: (id) => store.listTrials(id),
        listRunsOfJobs: async (ids) => new Map(await Promise.all(ids.map(async (id) => [id, await store.listRuns(id)] as const))),
        listCheckpointsOfJobs: async (ids) => new Map(await Promise.all(ids.map(async (id) => [id, await store.listCheckpoints(id)] as const))),
        listArtifactsOfJobs: async (ids) => new Map(await Promise.all(ids.map(async (id) => [id, await store.listArtifacts(id)] as const))),
        latestValuesOfJobs: async (ids) => new Map(await Promise.all(ids.map(async (id) => [id, Object.fromEntries((await store.listSeries(id)).map((s) => [s.key, { step: s.lastStep, value: s.lastValue }]))] as const))),
        seriesExtremesOfJobs: async (ids, key) => {
          const out = new Map();
          for (const id of ids) {
            if (!(await store.listSeries(id)).some((s) => s.key === key)) continue;
            const p = await store.readSeries(id, key);
            const min = summarizeSeries(p.steps, p.values, 'min');
            out.set(id, { final: min.final, min: min.best, max: summarizeSeries(p.steps, p.values, 'max').best });
          }
          return out;
        },
      };
      for (const metrics of [null, ['loss', 'acc', 'error_rate', 'absent']]) {
        const expected = await loadStudyReport(perJob, 'many', metrics, T0 + 120_000);
        assert.deepEqual(await loadStudyReport(store, 'many', metrics, T0 + 120_000), expected);
        // Twice, the ended trials' reads kept.
        const cache = createReportCache();
        await loadStudyReport(store, 'many', metrics, T0 + 120_000, cache);
        assert.deepEqual(await loadStudyReport(store, 'many', metrics, T0 + 120_000, cache), expected);
      }
      const report = await loadStudyReport(store, 'many', ['loss', 'acc', 'error_rate'], T0);
      const cells = report.variants.flatMap((v) => v.trials.map((t) => t.metrics));
      assert.equal(cells.length, 6);
      assert.deepEqual(cells[0].loss.best, { step: 5, value: -1 }, 'a late buffered point is the best');
      assert.deepEqual(cells[3].acc, { final: null, best: null }, 'a trial that never reported acc');
      assert.deepEqual(cells[4].error_rate, { final: null, best: null }, 'only NaN');
      const rows = report.variants.flatMap((v) => v.trials);
      assert.deepEqual(rows.map((t) => t.evidence.runs.map((r) => r.attempt)), [[1], [1, 2], [1], [1], [1], [1]], 'both runs of the retried trial');
      assert.deepEqual(rows.map((t) => t.evidence.checkpoints.map((c) => c.step)), [[10, 20], [10, 20], [], [10, 20], [10, 20], []], 'a deleted checkpoint stays');
      assert.deepEqual(rows.map((t) => t.evidence.artifacts.map((a) => a.name)), [['b.png', 'a.csv'], ['b.png', 'a.csv'], [], ['b.png', 'a.csv'], ['b.png', 'a.csv'], []]);
    } finally {
      await store.close();
    }
  });
});
