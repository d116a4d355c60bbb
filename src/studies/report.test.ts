import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseStudySpec, trialJobSpec } from '../core/study.ts';
import { expandVariants } from '../core/study-variants.ts';
import { NotFoundError } from '../core/errors.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { createReportCache, loadStudyReport, type ReportStore } from './report.ts';

const T0 = 1_700_000_000_000;

/** The store, counting its series reads. */
function counting(store: Store, patchTrials?: (trials: Awaited<ReturnType<Store['listTrials']>>) => typeof trials) {
  const counts = { readSeries: 0 };
  const wrapped: ReportStore = {
    getStudy: (n) => store.getStudy(n),
    listTrials: async (id) => (patchTrials ? patchTrials(await store.listTrials(id)) : store.listTrials(id)),
    listRuns: (id) => store.listRuns(id),
    listSeries: (id) => store.listSeries(id),
    readSeries: (id, key, range) => {
      counts.readSeries++;
      return store.readSeries(id, key, range);
    },
    listCheckpoints: (id) => store.listCheckpoints(id),
    listArtifacts: (id, f) => store.listArtifacts(id, f),
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
