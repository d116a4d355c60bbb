import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildStudyReport, canonicalJson, chooseMetrics, metricMode, stat, summarizeSeries, type ReportTrialInput } from './study-report.ts';
import { formatStat, reportCsv, reportMarkdown } from './study-report-format.ts';
import type { Trial, TrialDecision } from './study-record.ts';
import { parseStudySpec } from './study.ts';

const spec = parseStudySpec({
  name: 'sweep',
  job: { command: ['python3', 'train.py'], cwd: '/tmp' },
  params: { lr: { choice: [0.1, 0.01] }, layers: 2 },
  seeds: 2,
  objective: { metric: 'val_loss', mode: 'min' },
  baselines: { random: { val_loss: 2.5, acc: 0.1 }, 'lower-bound': { val_loss: 0.05 } },
});

function trial(index: number, lr: number, seed: number, extra: Partial<Trial> = {}): Trial {
  return {
    studyId: 1, index, params: { lr, layers: 2, seed }, seed, group: Math.floor(index / 2), jobId: 100 + index,
    launchedAt: 1_000, state: 'succeeded', outcome: null, endedAt: 61_000, decision: null, ...extra,
  };
}

function input(t: Trial, series: ReportTrialInput['series'], gpus = 1): ReportTrialInput {
  return {
    trial: t,
    runs: [{ id: 500 + t.index, attempt: 1, state: 'succeeded', startedAt: 1_000, endedAt: 3_601_000, gpus: Array.from({ length: gpus }, (_, i) => i) }],
    series,
    checkpoints: [{ id: 900 + t.index, step: 40, createdAt: 2_000 }],
    artifacts: [{ id: 700 + t.index, runId: 500 + t.index, name: 'gantt.png', kind: 'image', step: 40, createdAt: 2_500 }],
  };
}

const loss = (final: number, best: number, bestStep: number) => ({ val_loss: { final: { step: 100, value: final }, best: { step: bestStep, value: best } } });

const stopped: TrialDecision = { trialId: 3, policy: 'asha', action: 'stop', step: 40, value: 0.9, cutoff: 0.5, rank: 3, of: 4, reason: 'val_loss 0.9 ranks 3 of 4 at rung 40', carriedOut: 'stop', decidedAt: 5 };

function report() {
  return buildStudyReport({
    study: { name: 'sweep', state: 'completed', spec },
    trials: [
      input(trial(0, 0.1, 0), loss(0.4, 0.3, 80), 2),
      input(trial(1, 0.1, 1), loss(0.6, 0.5, 60), 2),
      input(trial(2, 0.01, 0, { state: 'failed', outcome: { kind: 'cuda-oom', detail: 'CUDA out of memory', retryable: false } as never }), loss(0.2, 0.2, 100)),
      input(trial(3, 0.01, 1, { state: 'stopped', decision: stopped }), { val_loss: { final: { step: 40, value: 0.9 }, best: { step: 40, value: 0.9 } } }),
    ],
    metrics: chooseMetrics(null, spec.objective, []),
    specHash: 'abc123',
    now: Date.UTC(2026, 11, 7, 21),
  });
}

describe('study report', () => {
  it('chooses each metric\'s mode: the objective\'s, else min for loss/error names, else max', () => {
    assert.deepEqual(metricMode('val_loss', spec.objective), { name: 'val_loss', mode: 'min', modeFrom: 'objective' });
    assert.equal(metricMode('train_error_rate', spec.objective).mode, 'min');
    assert.equal(metricMode('Loss', null).mode, 'min');
    assert.deepEqual(metricMode('acc', spec.objective), { name: 'acc', mode: 'max', modeFrom: 'default' });
    assert.deepEqual(metricMode('acc', { metric: 'acc', mode: 'min' }).mode, 'min');
    assert.deepEqual(chooseMetrics(null, null, ['b', 'a', 'b']).map((m) => m.name), ['a', 'b']);
    assert.deepEqual(chooseMetrics(['acc', 'val_loss', 'acc'], spec.objective, []).map((m) => m.name), ['acc', 'val_loss']);
  });

  it('sums up a series: the final point and the first step of the best value, NaN skipped', () => {
    assert.deepEqual(summarizeSeries([1, 2, 3, 4, 5], [0.9, 0.3, NaN, 0.3, 0.5], 'min'), { final: { step: 5, value: 0.5 }, best: { step: 2, value: 0.3 } });
    assert.deepEqual(summarizeSeries([1, 2, 3], [0.1, 0.7, NaN], 'max'), { final: { step: 2, value: 0.7 }, best: { step: 2, value: 0.7 } });
    assert.deepEqual(summarizeSeries([], [], 'max'), { final: null, best: null });
  });

  it('computes mean and sample std (n − 1)', () => {
    assert.deepEqual(stat([2, 4, 4, 4, 5, 5, 7, 9]), { mean: 5, std: Math.sqrt(32 / 7), n: 8 });
    assert.deepEqual(stat([3]), { mean: 3, std: null, n: 1 });
    assert.equal(stat([NaN]), null);
    assert.equal(formatStat({ mean: 0.5, std: 0.1414213, n: 2 }), '0.5 ± 0.1414');
  });

  it('groups the seeds of a variant into one row with mean ± std, runs beneath', () => {
    const r = report();
    assert.equal(r.variants.length, 2);
    const [a, b] = r.variants;
    assert.deepEqual(a.params, { lr: 0.1, layers: 2 }, 'seed is left out of a repeated variant\'s params');
    assert.deepEqual(a.seeds, [0, 1]);
    assert.deepEqual(a.trials.map((t) => t.index), [0, 1]);
    const cell = a.metrics.val_loss;
    assert.equal(cell.final!.mean, 0.5);
    assert.ok(Math.abs(cell.final!.std! - Math.SQRT2 * 0.1) < 1e-12);
    assert.equal(cell.best!.mean, 0.4);
    assert.deepEqual(cell.bestStep, { mean: 70, std: Math.sqrt(200), n: 2 });
    assert.deepEqual(b.trials[0].metrics.val_loss, { final: { step: 100, value: 0.2 }, best: { step: 100, value: 0.2 } });
  });

  it('marks the best mean per column by the metric\'s mode', () => {
    const r = report();
    // a: final 0.5, best 0.4; b: final (0.2 + 0.9) / 2 = 0.55, best 0.55: min wins.
    assert.deepEqual(r.variants[0].metrics.val_loss.marked, { final: true, best: true });
    assert.deepEqual(r.variants[1].metrics.val_loss.marked, { final: false, best: false });
  });

  it('names only the params that differ across variants', () => {
    assert.deepEqual(report().differingParams, ['lr']);
  });

  it('adds the spec\'s baselines as rows, per chosen metric', () => {
    const r = report();
    assert.deepEqual(r.baselines, [{ name: 'random', values: { val_loss: 2.5 } }, { name: 'lower-bound', values: { val_loss: 0.05 } }]);
  });

  it('says how each trial ended, and counts a variant\'s outcomes', () => {
    const r = report();
    assert.equal(r.variants[0].outcome, '2 succeeded');
    assert.equal(r.variants[1].outcome, '1 failed (cuda-oom), 1 stopped-early');
    assert.deepEqual(r.variants[1].trials[0].outcome, { status: 'failed', classification: 'cuda-oom', reason: 'CUDA out of memory' });
    assert.deepEqual(r.variants[1].trials[1].outcome, { status: 'stopped-early', classification: null, reason: stopped.reason });
  });

  it('counts wall time and GPU-hours from the runs (duration × GPUs)', () => {
    const r = report();
    assert.equal(r.variants[0].trials[0].wallSeconds, 3600);
    assert.equal(r.variants[0].gpuHours, 4);
    assert.equal(r.variants[1].gpuHours, 2);
    assert.equal(r.totals.gpuHours, 6);
    assert.equal(r.totals.wallSeconds, 4 * 3600);
  });

  it('links the evidence of every run', () => {
    const e = report().variants[0].trials[0].evidence;
    assert.equal(e.jobId, 100);
    assert.deepEqual(e.runs, [{ id: 500, attempt: 1, state: 'succeeded', startedAt: 1_000, endedAt: 3_601_000, log: '/api/v1/jobs/100/log?attempt=1' }]);
    assert.deepEqual(e.checkpoints.map((c) => c.id), [900]);
    assert.equal(e.artifacts[0].url, '/api/v1/artifacts/700/content');
  });

  it('writes Markdown with the best in bold, baselines as rows and a footnote with the spec hash', () => {
    const md = reportMarkdown(report());
    assert.match(md, /\| variant \| lr \| val_loss final \| val_loss best \(min\) \| val_loss step of best \| wall time \| GPU-hours \| outcome \|/);
    assert.match(md, /\| 0 \(2 seeds\) \| 0\.1 \| \*\*0\.5 ± 0\.1414\*\* \| \*\*0\.4 ± 0\.1414\*\* \| 70 ± 14\.14 \| 2 h \| 4 \| 2 succeeded \|/);
    assert.match(md, /\| 1 \(2 seeds\) \| 0\.01 \| 0\.55 ± 0\.495 \| 0\.55 ± 0\.495 \|/);
    assert.match(md, /\| \*random\* \| {2}\| 2\.5 \| 2\.5 \| {2}\| {2}\| {2}\| baseline \|/);
    assert.match(md, /\[\^spec\]: Study `sweep` \(completed\), 4 trials.*Spec sha256 `abc123`; generated 2026-12-07T21:00:00\.000Z/);
    assert.match(md, /\| 3 \| 1 \| job 103 \| stopped-early: val_loss 0\.9 ranks 3 of 4 at rung 40 \|/);
    assert.match(md, /\[gantt\.png\]\(\/api\/v1\/artifacts\/700\/content\) @40/);
    assert.match(reportMarkdown(report(), { linkBase: 'http://gpu-box:7300/' }), /\[gantt\.png\]\(http:\/\/gpu-box:7300\/api\/v1\/artifacts\/700\/content\) @40/);
  });

  it('writes CSV: a line per variant, trial and baseline', () => {
    const lines = reportCsv(report()).trim().split('\n');
    assert.equal(lines[0].split(',').slice(0, 12).join(','), 'kind,name,group,trial,seed,job,param.lr,val_loss.final,val_loss.final_std,val_loss.best,val_loss.best_std,val_loss.best_step');
    assert.equal(lines.length, 1 + 2 + 4 + 2);
    assert.match(lines[1], /^variant,,0,,0;1,,0\.1,0\.5,0\.1414\d*,0\.4,0\.1414\d*,70,/);
    assert.match(lines[1], /,val_loss\.final;val_loss\.best,/);
    assert.match(lines[5], /^trial,,1,2,0,102,0\.01,0\.2,,0\.2,,100,3600,1,failed,cuda-oom,CUDA out of memory,,1970-01-01T00:00:01\.000Z,1970-01-01T01:00:01\.000Z,502,902,702$/);
    assert.match(lines[7], /^baseline,random,,,,,,2\.5,,2\.5,,,/);
  });

  it('hashes the same spec the same, whatever its key order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { f: 1, e: 2 }], c: null } }), '{"a":{"c":null,"d":[1,{"e":2,"f":1}]},"b":1}');
  });
});
