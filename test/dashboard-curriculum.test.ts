/**
 * The dashboard's Curriculum page in a real browser (Debian's Chromium through playwright-core)
 * against a real server: a curriculum of two levels whose suites report a fixed accuracy (0.9 at
 * `easy`, 0.55 at `hard`), and a second one nothing ran at. A job run at `easy` is evaluated and
 * its 0.9 passes the bound, so the curriculum moves to `hard`; a job at `hard` puts 0.55 in the
 * window. The page lists both curricula, marks the current level, shows the window's value against
 * the bound and the level history; a move made meanwhile (set-level) appears without a reload.
 * Skips when Chromium or the web build is missing, unless TRAINYARD_REQUIRE_ALL=1.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hasChromium, hasWebBuild, launchBrowser, type BrowserSession } from './dashboard-browser.ts';
import { killRuns, REPO, requireOrSkip, startServer, waitFor, type TestServer } from './harness.ts';

const skip = requireOrSkip(hasChromium(), 'chromium (/usr/bin/chromium)') || requireOrSkip(hasWebBuild(), 'the dashboard build (web/dist; run npm run build:web)');
const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');

describe('dashboard: curriculum page', { skip }, () => {
  let server: TestServer;
  let browser: BrowserSession;

  const ok = async (path: string, body?: unknown, method?: string) => {
    const response = await server.api(path, { body, method });
    assert.ok(response.status < 300, `${method ?? (body ? 'POST' : 'GET')} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const suite = (name: string, accuracy: number) => ok('/api/v1/eval-suites', {
    name, command: [process.execPath, '-e', `console.log('#trainyard metrics step=0 accuracy=${accuracy}')`], cwd: REPO, metrics: [{ name: 'accuracy', goal: 'max' }],
  });
  const curriculum = (name: string, levels: unknown[]) => ok(`/api/v1/curricula/${name}`, {
    name, description: `${name}: easy then hard`, metric: 'accuracy', promote: { atLeast: 0.8, over: 1 }, demote: { below: 0.2 },
    job: { command: [process.execPath, TRAINER, '--steps', '2', '--ckpt-every', '2', '--interval-ms', '5'], cwd: REPO, keepCheckpoints: 0 },
    levels,
  }, 'PUT');
  /** Runs the curriculum's current level's job and waits until its evaluation is done. */
  const runLevel = async (name: string) => {
    const job = await ok(`/api/v1/curricula/${name}/jobs`, { run: 'train' });
    await waitFor(async () => {
      const evaluations = (await ok(`/api/v1/evaluations?job=${job.id}`)).evaluations;
      return evaluations.length > 0 && evaluations.every((e: { state: string }) => e.state === 'done');
    }, { what: `job ${job.id}'s evaluation`, timeoutMs: 60_000 });
    return job.id as number;
  };

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    await suite('arith-easy', 0.9);
    await suite('arith-hard', 0.55);
    const levels = [{ name: 'easy', suite: 'arith-easy', job: { params: { digits: 1 } } }, { name: 'hard', suite: 'arith-hard', job: { params: { digits: 3 } } }];
    await curriculum('arith', levels);
    await curriculum('spelling', levels);
    await runLevel('arith');
    await waitFor(async () => (await ok('/api/v1/curricula/arith')).levelName === 'hard', { what: 'arith promoted to hard', timeoutMs: 30_000 });
    await runLevel('arith');
    await waitFor(async () => (await ok('/api/v1/curricula/arith')).window.values.length === 1, { what: 'a value in the window at hard', timeoutMs: 30_000 });
  });
  after(async () => {
    await browser?.close();
    if (server) {
      killRuns(server.dataDir);
      await server.stop();
    }
  });

  it('lists the curricula; shows the levels with the current one, the window against the bound, and the level history, live', async () => {
    const page = await browser.open(server.url, server.adminToken, '/');
    await page.getByRole('link', { name: 'Curriculum' }).click();
    const table = page.getByTestId('curricula');
    await table.waitFor();
    assert.deepEqual(await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-curriculum'), r.getAttribute('data-level')])),
      [['arith', 'hard'], ['spelling', 'easy']]);
    assert.match(await table.locator('tr[data-curriculum="arith"]').innerText(), /hard \(2 of 2\)[\s\S]*active[\s\S]*promote when accuracy ≥ 0\.8 on the last evaluation/);

    await table.getByRole('link', { name: 'arith' }).click();
    await page.waitForURL(/\/curriculum\/arith$/);
    const levels = page.getByTestId('levels');
    await levels.waitFor();
    assert.deepEqual(await levels.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-level'), r.getAttribute('data-place'), r.getAttribute('aria-current')])),
      [['easy', 'passed', null], ['hard', 'current', 'step']]);
    assert.equal(await page.getByTestId('rule').innerText(), 'promote when accuracy ≥ 0.8 on the last evaluation; demote when accuracy < 0.2 on the last evaluation.');

    assert.match(await page.getByTestId('window-summary').innerText(), /^0 of the last 1 pass ≥ 0\.8\. Entered /);
    const windowRows = page.getByTestId('window').locator('tbody tr');
    assert.equal(await windowRows.count(), 1);
    assert.equal(await windowRows.first().getAttribute('data-passes'), 'false');
    assert.match(await windowRows.first().innerText(), /0\.55[\s\S]*does not pass/);

    const history = page.getByTestId('history');
    assert.deepEqual(await history.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-direction'))), ['promote']);
    assert.equal(await history.locator('tbody tr').first().getByTestId('move').innerText(), 'easy → hard');
    assert.match(await history.locator('tbody tr').first().getByTestId('reason').innerText(), /0\.9/);
    await browser.screenshot(page, 'curriculum');

    // A person sets the level back: the move appears on top without a reload (curriculum.* events).
    await ok('/api/v1/curricula/arith/level', { level: 'easy', reason: 'retry the easy sums' });
    await waitFor(async () => (await history.locator('tbody tr').count()) === 2, { what: 'the manual move on the page' });
    const top = history.locator('tbody tr').first();
    assert.equal(await top.getAttribute('data-direction'), 'set');
    assert.equal(await top.getByTestId('move').innerText(), 'hard → easy');
    assert.equal(await top.getByTestId('reason').innerText(), 'retry the easy sums');
    await waitFor(async () => (await levels.locator('tr[data-level="easy"]').getAttribute('data-place')) === 'current', { what: 'easy marked current' });
    assert.match(await page.getByTestId('window-summary').innerText(), /^no evaluations at this level yet; 1 needed/);
    assert.deepEqual(browser.errors, []);
  });
});
