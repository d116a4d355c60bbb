/**
 * The dashboard's jobs and job pages in a real browser (Debian's Chromium) against a real
 * server: the loss column of a job older than the newest few, read from the job list itself,
 * and the status message a run reported. Skips when Chromium or the web build is missing,
 * unless TRAINYARD_REQUIRE_ALL=1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hasChromium, hasWebBuild, launchBrowser, type BrowserSession } from './dashboard-browser.ts';
import { killRuns, REPO, requireOrSkip, startServer, waitForJob, type TestServer } from './harness.ts';

const skip = requireOrSkip(hasChromium(), 'chromium (/usr/bin/chromium)') || requireOrSkip(hasWebBuild(), 'the dashboard build (web/dist; run npm run build:web)');

/** Newer jobs submitted after the one with a loss: more than the dashboard once read one by one. */
const NEWER_JOBS = 12;

async function submit(server: TestServer, name: string, source: string): Promise<number> {
  const { status, body } = await server.api('/api/v1/jobs', { body: { name, command: [process.execPath, '--input-type=module', '-e', source], cwd: REPO } });
  assert.equal(status, 201, JSON.stringify(body));
  return body.id;
}

describe('dashboard jobs in a browser', { skip }, () => {
  let server: TestServer;
  let browser: BrowserSession;
  let old: number;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    old = await submit(server, 'old-run', `
      console.log('#trainyard progress total=3 message="Training epoch 2/3"');
      console.log('#trainyard metrics step=2 loss=0.4321');
    `);
    await waitForJob(server, old, ['succeeded']);
    const newer: number[] = [];
    for (let i = 0; i < NEWER_JOBS; i++) newer.push(await submit(server, `newer-${i}`, ''));
    for (const id of newer) await waitForJob(server, id, ['succeeded', 'failed']);
  });

  after(async () => {
    await browser?.close();
    if (server) {
      killRuns(server.dataDir);
      await server.stop();
    }
  });

  it("shows an older job's loss and status message in the jobs table", async () => {
    const page = await browser.open(server.url, server.adminToken, '/');
    const row = page.locator(`tr[data-job-id="${old}"]`);
    await row.waitFor();
    await row.locator('[data-testid="loss"]').filter({ hasText: '0.4321' }).waitFor({ timeout: 10_000 });
    assert.equal(await row.locator('[data-testid="status-message"]').textContent(), 'Training epoch 2/3');
  });

  it('shows the status message on the job page', async () => {
    const page = await browser.open(server.url, server.adminToken, `/jobs/${old}`);
    const message = page.locator('[data-testid="status-message"]');
    await message.waitFor({ timeout: 10_000 });
    assert.equal(await message.textContent(), 'Training epoch 2/3');
  });

  it('raised no error in any page', () => {
    assert.deepEqual(browser.errors, []);
  });
});
