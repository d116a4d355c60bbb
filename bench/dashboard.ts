/**
 * Dashboard benchmark in headless Chromium against a real server: time to first render of the
 * jobs page with 1,000 jobs and of the compare view of 50 runs × 1M points, each beside a
 * simpler render measured in the same run (the jobs page of an empty server; compare of one
 * run), and the server's compare query for those 50 runs beside the same query for one.
 *
 * Data (≈ 600 MB, ≈ 20 s) is written through the store into a temporary data directory before
 * the server starts. Times are medians; a render is timed in the page from navigation start to
 * the frame after the rows (or the chart) appear, with the bundle already in the HTTP cache.
 * Run alone: `npm run bench -- dashboard`.
 */
import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { hasChromium, hasWebBuild, launchBrowser, type BrowserSession } from '../test/dashboard-browser.ts';
import { startServer, tempDir, type TestServer } from '../test/harness.ts';
import type { BenchResult } from './bench-result.ts';
import { writeJobs, writeRuns } from './dashboard-data.ts';

const JOBS = 1000;
const RUNS = 50;
const POINTS = 1_000_000;
const RENDERS = 7;
const QUERIES = 15;

/** Marks, in page time (ms since navigation start), when each view first shows its data. */
const MARKS = `
  window.__marks = {};
  const mark = (name) => requestAnimationFrame(() => { window.__marks[name] ??= performance.now(); });
  const check = () => {
    const m = window.__marks;
    if (!m.jobs && document.querySelector('tr[data-job-id]')) mark('jobs');
    const chart = document.querySelector('[data-testid="compare-chart"] .chart');
    if (!m.compare && chart && Number(chart.getAttribute('data-points')) > 0 && chart.querySelector('canvas')) mark('compare');
    if (!m.empty && document.querySelector('.jobs-page .empty')) mark('empty');
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
`;

export async function benchDashboard(): Promise<BenchResult[]> {
  if (!hasChromium() || !hasWebBuild()) {
    console.log(`  skipped: ${hasChromium() ? 'web/dist is not built (npm run build:web)' : 'chromium is not installed'}`);
    return [];
  }
  const dataDir = tempDir('trainyard-bench-dashboard-');
  let server: TestServer | null = null;
  let empty: TestServer | null = null;
  let browser: BrowserSession | null = null;
  try {
    const started = performance.now();
    const runs = await writeRuns(dataDir, RUNS, POINTS);
    await writeJobs(dataDir, JOBS - RUNS);
    console.log(`  wrote ${JOBS} jobs, ${RUNS} of them with ${POINTS.toLocaleString('en-US')} points, in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    server = await startServer({ dataDir });
    empty = await startServer();
    browser = await launchBrowser();
    await browser.context.addInitScript(MARKS);
    const s = server;
    const b = browser;
    const render = (path: string, mark: string, on = s) => medianOf(RENDERS, () => timeRender(b, on, path, mark));

    // Warm each origin's HTTP cache (the bundle) once.
    await timeRender(b, empty, '/', 'empty');
    await timeRender(b, s, '/', 'jobs');
    const none = await render('/', 'empty', empty);
    const jobsPage = await render('/', 'jobs');
    const compareOne = await render(`/compare?jobs=${runs[0]}`, 'compare');
    const compareAll = await render(`/compare?jobs=${runs.join(',')}`, 'compare');

    const query = (ids: number[], bands: boolean) => medianOf(QUERIES, () => timeQuery(s, ids, bands));
    const queryOne = await query([runs[0]], true);
    const queryAll = await query(runs, false);
    const queryAllBands = await query(runs, true);

    const under = (ms: number, limit: number) => ({ target: `< ${limit} ms`, ok: ms < limit });
    return [
      { name: `jobs page, first render with ${JOBS.toLocaleString('en-US')} jobs`, value: round(jobsPage), unit: 'ms', baseline: { name: 'the same page with no jobs (another server)', value: round(none) }, ...under(jobsPage, 1000) },
      { name: `compare view, first render of ${RUNS} runs × ${POINTS / 1e6}M points`, value: round(compareAll), unit: 'ms', baseline: { name: `compare view of 1 run × ${POINTS / 1e6}M points`, value: round(compareOne) }, ...under(compareAll, 1000) },
      { name: `server compare query, ${RUNS} runs × ${POINTS / 1e6}M points, 1,000 columns (as the view asks: lines)`, value: round(queryAll), unit: 'ms', baseline: { name: 'the same query for 1 run (with bands)', value: round(queryOne) }, ...under(queryAll, 100) },
      { name: `server compare query, ${RUNS} runs with min/max bands`, value: round(queryAllBands), unit: 'ms', baseline: { name: 'the same query for 1 run', value: round(queryOne) } },
    ];
  } finally {
    await browser?.close();
    await server?.stop();
    await empty?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Opens `path` and returns the page's `__marks[mark]` (ms since navigation) once it is set. */
export async function timeRender(browser: BrowserSession, server: TestServer, path: string, mark: string, timeoutMs = 30_000): Promise<number> {
  const page: Page = await browser.open(server.url, server.adminToken, path);
  try {
    await page.waitForFunction((name) => (globalThis as unknown as { __marks: Record<string, number> }).__marks?.[name] !== undefined, mark, { timeout: timeoutMs });
    return await page.evaluate((name) => (globalThis as unknown as { __marks: Record<string, number> }).__marks[name], mark);
  } finally {
    await page.close();
  }
}

async function timeQuery(server: TestServer, ids: number[], bands: boolean): Promise<number> {
  const url = `${server.url}/api/v1/compare?jobs=${ids.join(',')}&key=loss&buckets=1000&goal=min&bands=${bands}`;
  const started = performance.now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${server.adminToken}` } });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`compare query failed: ${response.status}`);
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
