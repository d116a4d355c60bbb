/**
 * A study's report end to end: a real server runs a small study of a real tiny script
 * (test/fixtures/report-trainer.mjs: 2 learning rates × 2 seeds, each with a checkpoint and an
 * artifact), then the report is read as JSON, CSV and Markdown through the API and the CLI.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliJson, killRuns, REPO, runCli, startServer, tempDir, waitFor, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'report-trainer.mjs');

const STUDY = [
  'name: report-sweep',
  'job:',
  `  command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(TRAINER)}]`,
  '  maxRetries: 0',
  '  params: {steps: 10}',
  'params:',
  '  lr: {choice: [0.1, 0.2]}',
  'seeds: 2',
  'parallelism: 4',
  'objective: {metric: loss, mode: min}',
  'baselines:',
  '  random: {loss: 5, acc: 0.01}',
  '  lower-bound: {loss: 0.05}',
].join('\n');

describe('study report end to end', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
    const dir = tempDir('trainyard-study-report-');
    writeFileSync(join(dir, 'study.yaml'), STUDY);
    cliJson(await runCli(['study', 'submit', join(dir, 'study.yaml'), '--json'], { dataDir: server.dataDir, cwd: dir }));
    await waitFor(async () => {
      const { body } = await server.api('/api/v1/studies/report-sweep');
      return body.state === 'completed' ? body : null;
    }, { what: 'the study to complete', timeoutMs: 90_000 });
  });
  after(async () => {
    killRuns(server.dataDir);
    await server.stop().catch(() => {});
  });

  it('answers JSON: a row per variant, mean ± std over seeds, best marked, baselines, evidence', async () => {
    const { status, body } = await server.api('/api/v1/studies/report-sweep/report');
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body.metrics, [{ name: 'loss', mode: 'min', modeFrom: 'objective' }]);
    assert.deepEqual(body.differingParams, ['lr']);
    assert.equal(body.variants.length, 2);
    const [a, b] = body.variants;
    assert.deepEqual([a.params.lr, b.params.lr], [0.1, 0.2]);
    assert.deepEqual(a.seeds, [0, 1]);
    assert.ok(Math.abs(a.metrics.loss.final.mean - 0.205) < 1e-9);
    assert.ok(Math.abs(a.metrics.loss.final.std - Math.sqrt(0.00005)) < 1e-9);
    assert.deepEqual(a.metrics.loss.bestStep, { mean: 10, std: 0, n: 2 });
    assert.deepEqual(a.metrics.loss.marked, { final: true, best: true });
    assert.deepEqual(b.metrics.loss.marked, { final: false, best: false });
    assert.equal(a.outcome, '2 succeeded');
    assert.deepEqual(body.baselines, [{ name: 'random', values: { loss: 5 } }, { name: 'lower-bound', values: { loss: 0.05 } }]);
    assert.match(body.specHash, /^[0-9a-f]{64}$/);

    const trial = a.trials[1];
    assert.equal(trial.seed, 1);
    assert.deepEqual(trial.metrics.loss.final, { step: 10, value: 0.1 * 2 + 0.01 });
    const e = trial.evidence;
    assert.equal(e.runs.length, 1);
    assert.ok(e.runs[0].startedAt > 0 && e.runs[0].endedAt >= e.runs[0].startedAt);
    assert.equal(e.runs[0].log, `/api/v1/jobs/${trial.jobId}/log?attempt=1`);
    assert.deepEqual(e.checkpoints.map((c: any) => c.step), [10]);
    assert.deepEqual(e.artifacts.map((x: any) => [x.name, x.kind, x.step]), [['plot.svg', 'image', 10]]);
    const content = await server.api(e.artifacts[0].url);
    assert.equal(content.status, 200);
    assert.match(String(content.body), /<svg/);
    assert.ok(trial.wallSeconds > 0);
    assert.equal(trial.gpuHours, 0, 'a CPU-only run holds no GPU');

    const two = (await server.api('/api/v1/studies/report-sweep/report?metrics=loss,acc')).body;
    assert.deepEqual(two.metrics.map((m: any) => [m.name, m.mode]), [['loss', 'min'], ['acc', 'max']]);
    assert.ok(Math.abs(two.variants[0].metrics.acc.best.mean - 0.795) < 1e-9);
    assert.deepEqual(two.variants[0].metrics.acc.marked, { final: true, best: true });
    assert.deepEqual(two.baselines[0].values, { loss: 5, acc: 0.01 });
  });

  it('answers CSV and Markdown, and refuses an unknown study or format by name', async () => {
    const csv = await fetch(`${server.url}/api/v1/studies/report-sweep/report?format=csv`, { headers: { authorization: `Bearer ${server.adminToken}` } });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const lines = (await csv.text()).trim().split('\n');
    assert.equal(lines.length, 1 + 2 + 4 + 2, 'a header, 2 variants, 4 trials, 2 baselines');
    assert.match(lines[0], /^kind,name,group,trial,seed,job,param\.lr,loss\.final,loss\.final_std,loss\.best,loss\.best_std,loss\.best_step,wall_seconds,gpu_hours,outcome/);
    assert.match(lines[1], /^variant,,0,,0;1,,0\.1,0\.205\d*,0\.00707\d*,0\.205\d*,0\.00707\d*,10,/);
    assert.match(lines[2], /^trial,,0,0,0,\d+,0\.1,0\.2,,0\.2,,10,/);
    assert.match(lines[7], /^baseline,random,/);

    const md = (await server.api('/api/v1/studies/report-sweep/report?format=md')).body as string;
    assert.match(md, /\| variant \| lr \| loss final \| loss best \(min\) \| loss step of best \| wall time \| GPU-hours \| outcome \|/);
    assert.match(md, /\| 0 \(2 seeds\) \| 0\.1 \| \*\*0\.205 ± 0\.007071\*\* \| \*\*0\.205 ± 0\.007071\*\* \| 10 ± 0 \|/);
    assert.match(md, /\| 1 \(2 seeds\) \| 0\.2 \| 0\.405 ± 0\.007071 \| 0\.405 ± 0\.007071 \|/);
    assert.match(md, /\| \*lower-bound\* \| {2}\| 0\.05 \| 0\.05 \|/);
    const hash = (await server.api('/api/v1/studies/report-sweep/report')).body.specHash;
    assert.match(md, new RegExp(`\\[\\^spec\\]: Study \`report-sweep\` \\(completed\\), 4 trials.*Spec sha256 \`${hash}\`; generated \\d{4}-\\d\\d-\\d\\dT`));
    // Links are absolute (the server's origin), so they lead somewhere from a pasted document.
    const escaped = server.url.replace(/[.]/g, '\\.');
    assert.match(md, new RegExp(`\\[plot\\.svg\\]\\(${escaped}/api/v1/artifacts/\\d+/content\\) @10`));
    assert.match(md, new RegExp(`\\[log\\]\\(${escaped}/api/v1/jobs/\\d+/log\\?attempt=1\\)`));

    const missing = await server.api('/api/v1/studies/nope/report');
    assert.equal(missing.status, 404);
    assert.match(missing.body.error.message, /nope/);
    const bad = await server.api('/api/v1/studies/report-sweep/report?format=pdf');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'querystring.format');
  });

  it('prints and writes the report from the CLI', async () => {
    const dir = tempDir('trainyard-study-report-cli-');
    const md = await runCli(['study', 'report', 'report-sweep'], { dataDir: server.dataDir });
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /\*\*0\.205 ± 0\.007071\*\*/);
    const written = await runCli(['study', 'report', 'report-sweep', '--format', 'csv', '-o', 'r.csv'], { dataDir: server.dataDir, cwd: dir });
    assert.equal(written.code, 0, written.stderr);
    assert.match(written.stdout, /wrote .*r\.csv \(csv\)/);
    assert.match(readFileSync(join(dir, 'r.csv'), 'utf8'), /^kind,name,group/);
    const json = cliJson(await runCli(['study', 'report', 'report-sweep', '--json', '--metrics', 'acc'], { dataDir: server.dataDir }));
    assert.deepEqual(json.metrics.map((m: any) => m.name), ['acc']);
    const refused = await runCli(['study', 'report', 'report-sweep', '--format', 'pdf'], { dataDir: server.dataDir });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--format: expected md, csv or json, got "pdf"/);
  });
});
