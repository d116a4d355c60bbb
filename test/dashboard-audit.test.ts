/**
 * The dashboard's Audit page in a real browser against a real server: an admin session sees the
 * nav link and the entries of a submit and a stop with their caller, route, params and status;
 * the filters (method, caller by a click, status) narrow the list. Skips when Chromium or the
 * web build is missing, unless TRAINYARD_REQUIRE_ALL=1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hasChromium, hasWebBuild, launchBrowser, type BrowserSession } from './dashboard-browser.ts';
import { requireOrSkip, startServer, tempDir, waitFor, type TestServer } from './harness.ts';

const skip = requireOrSkip(hasChromium(), 'chromium (/usr/bin/chromium)') || requireOrSkip(hasWebBuild(), 'the dashboard build (web/dist; run npm run build:web)');

describe('dashboard: audit page', { skip }, () => {
  let server: TestServer;
  let browser: BrowserSession;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('lists state-changing requests with caller, route, params and status, and filters them', async () => {
    const made = await server.api('/api/v1/tokens', { body: { role: 'admin', name: 'ci-bot' } });
    const ci = made.body.token as string;
    const submitted = await server.api('/api/v1/jobs', { token: ci, body: { name: 'audited', command: ['sleep', '30'], cwd: tempDir(), maxRetries: 0 } });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const id = submitted.body.id as number;
    assert.equal((await server.api(`/api/v1/jobs/${id}/stop`, { token: ci, body: {} })).status, 200);
    assert.equal((await server.api('/api/v1/jobs/999999/stop', { token: ci, body: {} })).status, 404);

    const page = await browser.open(server.url, server.adminToken, '/');
    await page.getByRole('navigation', { name: 'pages' }).getByRole('link', { name: 'Audit', exact: true }).click();
    const table = page.getByTestId('audit');
    await table.waitFor();
    const rows = () => table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => (Array.from(tr.querySelectorAll('td')) as Array<{ textContent: string | null }>).slice(1, 6).map((td) => td.textContent)));
    const ciName = /^ci-bot \(token [0-9a-f]{16}\)$/;
    const ciRows = (await rows()).filter((r) => ciName.test(r[0] ?? ''));
    assert.deepEqual(ciRows.map((r) => r.slice(1)), [
      ['POST', '/api/v1/jobs/:id/stop', 'id=999999', '404'],
      ['POST', '/api/v1/jobs/:id/stop', `id=${id}`, '200'],
      ['POST', '/api/v1/jobs', '', '201'],
    ]);

    // Status ≥ 400: only the refused stop (and nothing else of this server's short life).
    await page.getByTestId('audit-status').fill('400');
    await waitFor(async () => (await table.locator('tbody tr').count()) === 1, { what: 'only the 404' });
    assert.deepEqual((await rows()).map((r) => r[4]), ['404']);
    await page.getByTestId('audit-status').fill('');
    // A click on a caller filters by it; DELETE then leaves nothing.
    await table.getByRole('button', { name: ciName }).first().click();
    await waitFor(async () => (await table.locator('tbody tr').count()) === 3, { what: 'only the caller\'s entries' });
    assert.ok((await rows()).every((r) => ciName.test(r[0] ?? '')));
    await page.getByTestId('audit-method').selectOption('DELETE');
    await page.getByText('No audit entries match.').waitFor();
    await browser.screenshot(page, 'audit');
  });
});
