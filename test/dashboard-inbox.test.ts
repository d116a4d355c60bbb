/**
 * The dashboard's Inbox page in a real browser (Debian's Chromium through playwright-core)
 * against a real server whose inbox registers each dropped file as a dataset version: a file
 * done with its job and version, a failed one with its reason, a waiting one; the state filter.
 * Skips when Chromium or the web build is missing, unless TRAINYARD_REQUIRE_ALL=1.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hasChromium, hasWebBuild, launchBrowser, type BrowserSession } from './dashboard-browser.ts';
import { killRuns, requireOrSkip, startServer, waitFor, type TestServer } from './harness.ts';
import { chatRow, drop, inboxDataDir, inboxJobs, inboxReady, waitUntilIn, type InboxDir } from './inbox-fixture.ts';

const skip = requireOrSkip(hasChromium(), 'chromium (/usr/bin/chromium)') || requireOrSkip(hasWebBuild(), 'the dashboard build (web/dist; run npm run build:web)');

describe('dashboard: inbox page', { skip }, () => {
  let dir: InboxDir;
  let server: TestServer;
  let browser: BrowserSession;

  before(async () => {
    dir = inboxDataDir({ stableMs: 0, pollMs: 50, dataset: 'chat-stream' });
    server = await startServer({ dataDir: dir.dataDir });
    await waitFor(() => inboxReady(dir), { what: 'the inbox folders' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    if (server) {
      killRuns(server.dataDir);
      await server.stop();
    }
  });

  it('lists waiting, done and failed files with their job, dataset version and reason, and filters by state', async () => {
    drop(dir, 'normal', 'good.jsonl', chatRow({ n: 1 }));
    await waitUntilIn(dir, 'good.jsonl', 'done');
    drop(dir, 'high', 'bad.jsonl', 'not json\n');
    await waitUntilIn(dir, 'bad.jsonl', 'failed');
    const [job] = await inboxJobs(server);
    // A waiting file: the inbox pauses while inbox.yaml is invalid.
    writeFileSync(join(dir.dataDir, 'inbox.yaml'), 'templates: [oops');
    await waitFor(() => /inbox\.yaml is invalid/.test(server.output()), { what: 'the invalid config noticed' });
    drop(dir, 'low', 'later.jsonl', chatRow({ n: 3 }));

    const page = await browser.open(server.url, server.adminToken, '/');
    await page.getByRole('link', { name: 'Inbox' }).click();
    const table = page.getByTestId('inbox');
    await table.waitFor();
    const row = (name: string) => table.locator(`tr[data-inbox-name="${name}"]`);
    await row('later.jsonl').waitFor();
    assert.deepEqual(await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-inbox-name'), r.getAttribute('data-state')])),
      [['later.jsonl', 'waiting'], ['bad.jsonl', 'failed'], ['good.jsonl', 'done']]);
    assert.match(await page.getByTestId('inbox-config').innerText(), /inbox\.yaml is invalid/);
    assert.equal(await row('good.jsonl').getByRole('link', { name: `#${job.id}` }).getAttribute('href'), `/jobs/${job.id}`);
    assert.equal(await row('good.jsonl').getByRole('link', { name: 'chat-stream@1' }).getAttribute('href'), '/datasets/chat-stream/1');
    assert.match(await row('bad.jsonl').locator('.inbox-reason').innerText(), /^validation failed \(chat, standard\): 1 error: bad\.jsonl line 1: invalid-json/);
    await browser.screenshot(page, 'inbox');

    await page.getByTestId('inbox-filter-failed').click();
    await waitFor(async () => (await table.locator('tbody tr').count()) === 1, { what: 'only the failed file' });
    assert.equal(await table.locator('tbody tr').getAttribute('data-inbox-name'), 'bad.jsonl');
    await row('bad.jsonl').getByRole('link', { name: 'chat-stream@2' }).click();
    await page.waitForURL(/\/datasets\/chat-stream\/2$/);
    assert.deepEqual(browser.errors, []);
  });
});
