/**
 * The dashboard end to end in a real browser (Debian's Chromium through playwright-core)
 * against a real server running real jobs. Saves a screenshot of each page to
 * test-output/screenshots/ (printed at the end). Skips when Chromium or the web build is
 * missing, unless TRAINYARD_REQUIRE_ALL=1.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { asReader, hasChromium, hasWebBuild, launchBrowser, makeSignInCode, SCREENSHOTS, type BrowserSession } from './dashboard-browser.ts';
import { killRuns, REPO, requireOrSkip, startServer, waitFor, waitForJob, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');
const skip = requireOrSkip(hasChromium(), 'chromium (/usr/bin/chromium)') || requireOrSkip(hasWebBuild(), 'the dashboard build (web/dist; run npm run build:web)');

async function submit(server: TestServer, name: string, args: string[], params: Record<string, unknown>): Promise<number> {
  const { status, body } = await server.api('/api/v1/jobs', {
    body: { name, command: [process.execPath, TRAINER, ...args], cwd: REPO, params, tags: ['e2e'], stopGraceSeconds: 5, resources: { cpus: 1 } },
  });
  assert.equal(status, 201, JSON.stringify(body));
  return body.id;
}

/** Reads a number the page shows, e.g. a progress bar's width or a chart's point count. */
const widthOf = (page: Page, id: number) =>
  page.locator(`tr[data-job-id="${id}"] [data-testid="progress-fill"]`).evaluate((el) => parseFloat((el as unknown as { style: { width: string } }).style.width));
const pointsOf = (page: Page, key: string) =>
  page.locator(`[data-testid="chart-${key}"] .chart`).evaluate((el) => Number(el.getAttribute('data-points')));

describe('dashboard in a browser', { skip }, () => {
  let server: TestServer;
  let browser: BrowserSession;
  let long: number;
  let short: number;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    // One run long enough to watch and stop, one short one that finishes.
    long = await submit(server, 'char-lm', ['--steps', '100000', '--interval-ms', '40', '--ckpt-every', '50'], { lr: 0.01, layers: 4, opt: { name: 'adam' } });
    short = await submit(server, 'sweep-lr', ['--steps', '120', '--interval-ms', '40', '--ckpt-every', '30'], { lr: 0.1, layers: 4, opt: { name: 'sgd' } });
    await waitForJob(server, long, ['running']);
    await waitForJob(server, short, ['running']);
  });

  after(async () => {
    await browser?.close();
    if (server) {
      killRuns(server.dataDir);
      await server.stop();
    }
    console.log(`screenshots: ${SCREENSHOTS}`);
  });

  it('shows the jobs with a progress bar that moves while a job runs', async () => {
    const page = await browser.open(server.url, server.adminToken, '/');
    await page.emulateMedia({ colorScheme: 'dark' });
    const row = page.locator(`tr[data-job-id="${short}"]`);
    await row.waitFor();
    assert.match(await row.textContent() ?? '', /sweep-lr/);
    const before = await waitFor(async () => (await widthOf(page, short)) || null, { what: 'a progress bar', timeoutMs: 15_000 });
    await waitFor(async () => (await widthOf(page, short)) > before, { what: 'the progress bar to move', timeoutMs: 15_000 });
    await page.locator('[data-testid="live-state"]', { hasText: 'live' }).waitFor();
    assert.ok(await page.getByRole('button', { name: 'Stop' }).count() >= 1, 'an admin sees Stop');
    await browser.screenshot(page, 'jobs-dark');
    await page.close();
  });

  it('draws live metric charts that gain points, the log tail, params and checkpoints', async () => {
    const page = await browser.open(server.url, server.adminToken, `/jobs/${long}`);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.locator('[data-testid="chart-loss"] canvas').first().waitFor();
    const first = await waitFor(async () => (await pointsOf(page, 'loss')) || null, { what: 'chart points', timeoutMs: 15_000 });
    await waitFor(async () => (await pointsOf(page, 'loss')) > first, { what: 'the chart to gain points', timeoutMs: 10_000 });
    await page.locator('[data-testid="log"]', { hasText: '#trainyard metrics step=' }).waitFor();
    await page.locator('#params', { hasText: 'opt.name' }).waitFor();
    await page.locator('#checkpoints tbody tr').first().waitFor({ timeout: 15_000 });
    await page.getByPlaceholder('Search the log').fill('checkpoint');
    await page.locator('.log-match').first().waitFor();
    await page.getByPlaceholder('Search the log').fill('');
    await browser.screenshot(page, 'job-dark');
    await page.close();
  });

  it('compares two runs: overlay, best checkpoints, params diff', async () => {
    await waitForJob(server, short, ['succeeded']);
    const page = await browser.open(server.url, server.adminToken, `/compare?jobs=${long},${short}`);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.locator('[data-testid="compare-chart"] canvas').first().waitFor();
    const rows = page.locator('[data-testid="compare-runs"] tbody tr');
    await waitFor(async () => (await rows.count()) === 2, { what: 'two runs in the legend' });
    await page.locator('[data-testid="compare-runs"]', { hasText: 'at step 120' }).waitFor();
    const diff = await page.locator('[data-testid="params-diff"]').textContent();
    assert.match(diff ?? '', /lr/);
    assert.match(diff ?? '', /opt\.name/);
    assert.doesNotMatch(diff ?? '', /layers/, 'equal params are hidden by default');
    const points = await page.locator('[data-testid="compare-chart"] .chart').getAttribute('data-points');
    assert.ok(Number(points) >= 120, `shared columns: ${points}`);
    await browser.screenshot(page, 'compare-dark');
    await page.close();
  });

  it('draws the Gantt with both jobs on their slots', async () => {
    const page = await browser.open(server.url, server.adminToken, '/timeline?window=5m');
    await page.emulateMedia({ colorScheme: 'light' });
    const gantt = page.locator('[data-testid="gantt"]');
    await gantt.locator(`.gantt-bar[data-job-id="${long}"]`).first().waitFor();
    await gantt.locator(`.gantt-bar[data-job-id="${short}"]`).first().waitFor();
    const lanes = await gantt.locator('.gantt-row[data-lane]').evaluateAll((rows) =>
      rows.map((r) => [r.getAttribute('data-lane'), [...r.querySelectorAll('.gantt-bar')].map((b) => b.getAttribute('data-job-id'))]));
    const laneOf = (id: number) => lanes.find(([, jobs]) => (jobs as string[]).includes(String(id)))?.[0];
    assert.ok(laneOf(long) && laneOf(short), JSON.stringify(lanes));
    assert.notEqual(laneOf(long), laneOf(short), 'two runs at once are on two slots');
    await browser.screenshot(page, 'timeline-light');
    await gantt.locator(`.gantt-bar[data-job-id="${short}"]`).first().click();
    await page.waitForURL(`**/jobs/${short}`);
    await page.close();
  });

  it('shows a read-only token no action buttons', async () => {
    const page = await browser.open(server.url, asReader(server.adminToken), '/');
    await page.locator(`tr[data-job-id="${long}"]`).waitFor();
    await page.getByText('read-only').waitFor();
    assert.equal(await page.getByRole('button', { name: /^(Stop|Pause|Resume)$/ }).count(), 0);
    assert.equal(await page.locator('th', { hasText: 'Actions' }).count(), 0);
    await browser.screenshot(page, 'jobs-read-only');
    await page.goto(`${server.url}/jobs/${long}`);
    await page.locator('[data-testid="chart-loss"]').waitFor();
    assert.equal(await page.getByRole('button', { name: /^(Stop|Pause|Resume)$/ }).count(), 0);
    await page.close();
  });

  it('moves between pages in place, with the browser history', async () => {
    const page = await browser.open(server.url, server.adminToken, '/');
    await page.locator(`tr[data-job-id="${short}"]`).waitFor();
    await page.evaluate('window.__sameDocument = true');
    const nav = page.getByRole('navigation', { name: 'pages' });
    for (const [link, heading] of [['Compare', 'Compare'], ['Timeline', 'Timeline'], ['Settings', 'Settings'], ['Jobs', 'Jobs']]) {
      await nav.getByRole('link', { name: link, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: new RegExp(`^${heading}`) }).waitFor();
    }
    await page.getByRole('link', { name: 'sweep-lr' }).click();
    await page.locator('[data-testid="chart-loss"]').waitFor();
    await page.goBack();
    await page.locator(`tr[data-job-id="${short}"]`).waitFor();
    assert.equal(await page.evaluate('window.__sameDocument'), true, 'no full page load');
    await page.close();
  });

  it('signs in through a one-time /sign-in link that leaves no code in the URL, signs out, and makes a read-only token in Settings', async () => {
    const page = await browser.context.newPage();
    const code = await makeSignInCode(server.url, server.adminToken);
    await page.goto(`${server.url}/sign-in#code=${code}`);
    await page.getByRole('navigation', { name: 'pages' }).waitFor();
    assert.equal(page.url(), `${server.url}/`, 'the sign-in page went to the jobs');
    await page.goBack();
    assert.ok(!page.url().includes(code), `the code is not in history either: ${page.url()}`);
    await page.goto(`${server.url}/`);
    await page.getByRole('navigation', { name: 'pages' }).waitFor();

    // The link works once.
    await page.goto(`${server.url}/sign-in#code=${code}`);
    assert.match(await page.getByRole('alert').textContent() ?? '', /used already/);
    assert.equal(page.url(), `${server.url}/sign-in`, 'a refused code leaves the address bar too');
    await browser.screenshot(page, 'sign-in');

    // Signing out ends the session on the server.
    await page.goto(`${server.url}/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Sign-in link or code').waitFor();
    assert.equal((await browser.context.request.get(`${server.url}/api/session`)).status(), 401);

    // A pasted link signs in where the browser is.
    await page.getByLabel('Sign-in link or code').fill('not a link');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Sign-in link or code').fill(`${server.url}/sign-in#code=${await makeSignInCode(server.url, server.adminToken)}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'pages' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Token name').fill('wall screen');
    await page.getByRole('button', { name: 'Make token' }).click();
    const token = await page.getByTestId('new-token').textContent();
    assert.match(token ?? '', /^ty_[0-9a-f]{16}_/);
    assert.equal((await server.api('/api/v1/whoami', { token: token! })).body.role, 'read');
    await page.getByRole('cell', { name: 'wall screen' }).waitFor();
    await browser.screenshot(page, 'settings');
    await page.close();
  });

  it('fits a laptop screen and a wide monitor', async () => {
    for (const [name, width, height] of [['laptop', 1280, 800], ['wide', 2560, 1440]] as const) {
      const page = await browser.open(server.url, server.adminToken, `/jobs/${short}`, { width, height });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.locator('[data-testid="chart-loss"] canvas').first().waitFor();
      const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
      assert.ok(overflow <= 0, `${name}: the page scrolls sideways by ${overflow} px`);
      await browser.screenshot(page, `job-${name}`);
      await page.close();
    }
  });

  it('raised no error in any page', () => {
    assert.deepEqual(browser.errors, []);
  });

  it('stops a job from the keyboard and the confirm dialog, and shows it stopped', async () => {
    const page = await browser.open(server.url, server.adminToken, '/');
    await page.locator(`tr[data-job-id="${long}"]`).waitFor();
    await page.keyboard.press('/');
    await page.keyboard.type('char-lm');
    await page.keyboard.press('Escape');
    await waitFor(async () => (await page.locator('tbody tr').count()) === 1, { what: 'the filter to leave one row' });
    await page.keyboard.press('j');
    await page.locator(`tr[data-job-id="${long}"][aria-selected="true"]`).waitFor();
    await page.keyboard.press('s');
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`Stop job #${long}?`).waitFor();
    await dialog.getByRole('button', { name: 'Stop job' }).click();
    await page.locator(`tr[data-job-id="${long}"] [data-state="stopped"]`).waitFor({ timeout: 30_000 });
    assert.equal((await server.api(`/api/v1/jobs/${long}`)).body.state, 'stopped');
    await browser.screenshot(page, 'jobs-after-stop');
    await page.close();
  });
});
