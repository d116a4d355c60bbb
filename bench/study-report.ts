/**
 * Study report (issue 12, performance): the dashboard's report of a 1,000-run study with 10
 * metrics, first render in headless Chromium (the report table's rows on screen) beside the
 * jobs page of the same server's 1,000 jobs measured in the same run; and the server's report
 * query (JSON, 1,000 runs × 10 metrics) beside the study's own answer (`GET /studies/NAME`).
 * Target: the render < 1 s.
 *
 * Data is written through the store into a temporary data directory before the server starts:
 * a random study of 1,000 variants, each trial launched, its run ended, 10 metrics × 200 points.
 * Times are medians; a render is timed in the page from navigation start to the frame after the
 * rows appear, with the bundle already in the HTTP cache. Run alone: `npm run bench -- study-report`.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseStudySpec, trialJobSpec } from '../src/core/study.ts';
import { expandVariants } from '../src/core/study-variants.ts';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { hasChromium, hasWebBuild, launchBrowser, type BrowserSession } from '../test/dashboard-browser.ts';
import { REPO, startServer, tempDir, type TestServer } from '../test/harness.ts';
import type { BenchResult } from './bench-result.ts';
import { timeRender } from './dashboard.ts';

const RUNS = 1000;
const POINTS = 200;
const METRICS = ['val_loss', 'train_loss', 'error_rate', 'acc', 'f1', 'precision', 'recall', 'grad_norm', 'throughput', 'makespan'];
const RENDERS = 5;
const QUERIES = 5;

const MARKS = `
  window.__marks = {};
  const mark = (name) => requestAnimationFrame(() => { window.__marks[name] ??= performance.now(); });
  const check = () => {
    const m = window.__marks;
    if (!m.report && document.querySelector('[data-testid="study-report"] tr[data-variant]')) mark('report');
    if (!m.jobs && document.querySelector('tr[data-job-id]')) mark('jobs');
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
`;

/** A study of RUNS trials, every one launched and ended with METRICS × POINTS points. */
async function writeStudy(dataDir: string): Promise<void> {
  const store = await createSqliteStore(join(dataDir, 'trainyard.db'));
  try {
    const spec = parseStudySpec({
      name: 'bench-report',
      job: { command: ['python3', 'train.py'], cwd: REPO, maxRetries: 0, keepCheckpoints: 0, resources: { gpus: 0, cpus: 1 } },
      params: { lr: { float: [1e-5, 1e-1], log: true }, layers: { int: [1, 8] }, optimizer: { choice: ['adam', 'sgd', 'adamw'] }, dropout: { float: [0, 0.5] } },
      search: { random: { count: RUNS, seed: 7 } },
      parallelism: 10_000,
      objective: { metric: 'val_loss', mode: 'min' },
      baselines: { random: { val_loss: 2, makespan: 1234 }, 'lower-bound': { val_loss: 0.1, makespan: 900 } },
    });
    const variants = expandVariants(spec);
    const T0 = Date.now() - 86_400_000;
    const study = await store.createStudy(spec, variants, T0);
    for (const variant of variants) {
      const at = T0 + variant.index * 1000;
      const launched = await store.launchTrial(study.id, variant.index, trialJobSpec(spec, variant), at);
      if (!launched) throw new Error(`trial ${variant.index} did not launch`);
      const claimed = await store.claimJob(launched.job.id, { logPath: join(dataDir, 'none.log'), resumedFrom: null, resumeStep: null }, at + 10);
      if (!claimed) throw new Error(`could not claim job ${launched.job.id}`);
      const series = new Map(METRICS.map((name, k) => {
        const steps = new Float64Array(POINTS);
        const values = new Float64Array(POINTS);
        const times = new Float64Array(POINTS);
        for (let s = 0; s < POINTS; s++) {
          steps[s] = s * 10;
          values[s] = (1 + k) * (1 + variant.index / RUNS) / (1 + s / 20) + 0.01 * Math.sin(s + variant.index);
          times[s] = at + 20 + s;
        }
        return [name, { steps, values, times }];
      }));
      await store.recordMetrics({ runId: claimed.run.id, batchId: null, series });
      const ended = at + 600_000;
      await store.endRun(claimed.run.id, {
        run: { state: 'succeeded', exitCode: 0, signal: null, endedAt: ended, outcome: { kind: 'success', detail: '', retryable: false } },
        job: { state: 'succeeded', endedAt: ended, outcome: { kind: 'success', detail: '', retryable: false } },
        progress: { step: (POINTS - 1) * 10, total: POINTS * 10, rate: 1, etaSeconds: null },
      });
    }
    await store.setStudyState(study.id, { to: 'completed', reason: null, by: 'runner' }, T0 + RUNS * 1000 + 600_000);
  } finally {
    await store.close();
  }
}

export async function benchStudyReport(): Promise<BenchResult[]> {
  if (!hasChromium() || !hasWebBuild()) {
    console.log(`  skipped: ${hasChromium() ? 'web/dist is not built (npm run build:web)' : 'chromium is not installed'}`);
    return [];
  }
  const dataDir = tempDir('trainyard-bench-study-report-');
  let server: TestServer | null = null;
  let browser: BrowserSession | null = null;
  try {
    const started = performance.now();
    await writeStudy(dataDir);
    console.log(`  wrote a study of ${RUNS} runs × ${METRICS.length} metrics × ${POINTS} points in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    server = await startServer({ dataDir, startTimeoutMs: 180_000 }); // a shared, loaded machine starts slowly
    browser = await launchBrowser();
    await browser.context.addInitScript(MARKS);
    const s = server;
    const b = browser;
    const reportPath = `/studies/bench-report?metrics=${METRICS.join(',')}`;
    const render = (path: string, mark: string) => medianOf(RENDERS, () => timeRender(b, s, path, mark, 60_000));

    const reportApi = `/api/v1/studies/bench-report/report?metrics=${METRICS.join(',')}`;
    // The first report reads every series (10,000 reads); later ones read only what changed.
    const coldQuery = await timeQuery(s, reportApi);
    await timeRender(b, s, '/', 'jobs'); // warms the bundle in the HTTP cache
    const jobsPage = await render('/', 'jobs');
    const reportPage = await render(reportPath, 'report');

    const query = (path: string) => medianOf(QUERIES, () => timeQuery(s, path));
    const reportQuery = await query(reportApi);
    const showQuery = await query('/api/v1/studies/bench-report');

    // A restart empties the kept reads: the first report after it reads every series again.
    await server.stop();
    server = await s.restart();
    const coldAfterRestart = await timeQuery(server, reportApi);
    const warmAfterRestart = await medianOf(QUERIES, () => timeQuery(server!, reportApi));

    const under = (ms: number, limit: number) => ({ target: `< ${limit} ms`, ok: ms < limit });
    return [
      { name: `study report page, first render of ${RUNS.toLocaleString('en-US')} runs × ${METRICS.length} metrics`, value: round(reportPage), unit: 'ms', baseline: { name: `the jobs page of the same ${RUNS.toLocaleString('en-US')} jobs`, value: round(jobsPage) }, ...under(reportPage, 1000) },
      { name: `server report query, ${RUNS.toLocaleString('en-US')} runs × ${METRICS.length} metrics (JSON, ended trials' reads kept)`, value: round(reportQuery), unit: 'ms', baseline: { name: 'the study\'s own answer (GET /studies/NAME, every trial)', value: round(showQuery) } },
      { name: `server report query, the first after the start (every series read)`, value: round(coldQuery), unit: 'ms', baseline: { name: 'the same query, later', value: round(reportQuery) } },
      { name: `server report query, the first after a restart (every series read)`, value: round(coldAfterRestart), unit: 'ms', baseline: { name: 'the same query, later', value: round(warmAfterRestart) } },
    ];
  } finally {
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function timeQuery(server: TestServer, path: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${server.adminToken}` } });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return performance.now() - started;
}

async function medianOf(n: number, measure: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < n; i++) values.push(await measure());
  values.sort((a, b) => a - b);
  return values[Math.floor(n / 2)];
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
