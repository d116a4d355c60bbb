/**
 * The Studies pages in a real browser (Debian's Chromium) against a real server running a small
 * study of a real tiny script (test/fixtures/report-trainer.mjs: 3 learning rates × 2 seeds):
 * the list, then a study's report (best marked, sortable, baselines beneath, a group's runs
 * opened), its charts per variant, the parallel coordinates, artifacts side by side, and the
 * trials table. Skips when Chromium or the web build is missing, unless TRAINYARD_REQUIRE_ALL=1.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hasChromium, hasWebBuild, launchBrowser, type BrowserSession } from './dashboard-browser.ts';
import { killRuns, REPO, requireOrSkip, startServer, tempDir, waitFor, type TestServer } from './harness.ts';

const skip = requireOrSkip(hasChromium(), 'chromium (/usr/bin/chromium)') || requireOrSkip(hasWebBuild(), 'the dashboard build (web/dist; run npm run build:web)');

const TRAINER = join(REPO, 'test', 'fixtures', 'report-trainer.mjs');

describe('dashboard studies in a browser', { skip }, () => {
  let server: TestServer;
  let browser: BrowserSession;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const cwd = tempDir('trainyard-dashboard-studies-');
    const { status, body } = await server.api('/api/v1/studies', {
      body: {
        name: 'ui-sweep',
        job: { command: [process.execPath, TRAINER], cwd, maxRetries: 0, params: { steps: 10 } },
        params: { lr: { choice: [0.3, 0.1, 0.2] } },
        seeds: 2,
        parallelism: 6,
        objective: { metric: 'loss', mode: 'min' },
        baselines: { random: { loss: 5 }, 'lower-bound': { loss: 0.05 } },
      },
    });
    assert.equal(status, 200, JSON.stringify(body));
    await waitFor(async () => {
      const { body: s } = await server.api('/api/v1/studies/ui-sweep');
      return s.state === 'completed' ? s : null;
    }, { what: 'the study to complete', timeoutMs: 90_000 });
  });

  after(async () => {
    await browser?.close();
    if (server) {
      killRuns(server.dataDir);
      await server.stop();
    }
  });

  it('lists the studies in the nav and links each to its page', async () => {
    const page = await browser.open(server.url, server.adminToken, '/');
    await page.locator('nav a', { hasText: 'Studies' }).click();
    const row = page.locator('[data-testid="studies"] tr[data-study="ui-sweep"]');
    await row.waitFor({ timeout: 15_000 });
    assert.match(await row.textContent() ?? '', /6 \(6 succeeded\)/);
    await row.locator('a').click();
    await page.locator('[data-testid="study-report"]').waitFor({ timeout: 15_000 });
  });

  it('shows the report: best marked, sorted by the objective, baselines beneath, a variant\'s runs opened', async () => {
    const page = await browser.open(server.url, server.adminToken, '/studies/ui-sweep');
    const table = page.locator('[data-testid="study-report"]');
    await table.locator('tr[data-variant]').first().waitFor({ timeout: 15_000 });
    // Sorted by loss best (min) first: lr 0.1 (variant 1), 0.2 (2), 0.3 (0); the baselines stay last.
    assert.deepEqual(await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-variant') ?? `baseline:${r.getAttribute('data-baseline')}`)),
      ['1', '2', '0', 'baseline:random', 'baseline:lower-bound']);
    const best = table.locator('tr[data-variant="1"] td[data-best]');
    assert.equal(await best.count(), 2, 'the best variant is marked in both loss columns');
    assert.match(await best.first().textContent() ?? '', /★ 0\.205 ± 0\.007071/);
    assert.equal(await table.locator('tr[data-variant="0"] td[data-best]').count(), 0);
    assert.match(await table.locator('tr[data-baseline="lower-bound"]').textContent() ?? '', /lower-bound.*0\.05/);

    // Sort by lr: ascending, then descending.
    await table.locator('th[data-sort="param:lr"]').click();
    assert.deepEqual(await table.locator('tr[data-variant]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-variant'))), ['1', '2', '0']);
    await table.locator('th[data-sort="param:lr"]').click();
    assert.deepEqual(await table.locator('tr[data-variant]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-variant'))), ['0', '2', '1']);

    // A variant's runs beneath it, with their evidence.
    await table.locator('tr[data-variant="1"] button').click();
    const runs = table.locator('tr.trial-row');
    assert.equal(await runs.count(), 2);
    assert.match(await runs.first().textContent() ?? '', /seed 0 #\d+.*succeeded.*ckpt \d+.*1 artifacts.*log/);

    assert.match(await page.locator('[data-testid="report-footnote"]').textContent() ?? '', /spec sha256 [0-9a-f]{12} · 6 trials/);
  });

  it('charts the metric per variant, draws parallel coordinates, shows artifacts side by side', async () => {
    const page = await browser.open(server.url, server.adminToken, '/studies/ui-sweep');
    const chart = page.locator('[data-testid="study-chart"][data-metric="loss"]');
    await page.locator('[data-testid="study-chart"][data-metric="loss"][data-lines="6"]').waitFor({ timeout: 15_000 });
    await chart.locator('canvas').first().waitFor();
    const lines = page.locator('[data-testid="parallel-coords"] polyline');
    assert.equal(await lines.count(), 3, 'one line per variant');
    const images = page.locator('[data-testid="artifacts-side"] figure');
    await images.nth(2).locator('img').waitFor({ timeout: 15_000 });
    assert.deepEqual(await images.evaluateAll((f) => f.map((x) => x.getAttribute('data-variant'))), ['0', '1', '2']);
    await waitFor(async () => {
      const widths = await images.locator('img').evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
      return widths.length === 3 && widths.every((w) => w > 0) ? widths : null;
    }, { what: 'the three images to decode', timeoutMs: 15_000 });
    assert.match(await images.nth(1).textContent() ?? '', /variant 1: lr=0\.1 · step 10/);
    await browser.screenshot(page, 'dashboard-study');
  });

  it('shows the trials with their state and params', async () => {
    const page = await browser.open(server.url, server.adminToken, '/studies/ui-sweep');
    await page.getByRole('radio', { name: 'Trials' }).click();
    const rows = page.locator('[data-testid="study-trials"] tbody tr');
    await rows.first().waitFor({ timeout: 15_000 });
    assert.equal(await rows.count(), 6);
    assert.match(await rows.nth(3).textContent() ?? '', /^3succeeded0\.11#\d+/);
  });

  it('raised no error in any page', () => {
    assert.deepEqual(browser.errors, []);
  });
});
