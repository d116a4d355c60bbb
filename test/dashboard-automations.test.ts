/**
 * The dashboard's Automations page in a real browser (Debian's Chromium through playwright-core)
 * against a real server with two rules in its automations.yaml: one fires on a submitted job
 * (its `submit` action makes a follow-up job), the other waits. The page lists both with their
 * trigger, action, source and cooldown, shows the firing (live, as a second one happens), an
 * admin disables a rule from it (the API then says so), a read-only token sees no toggle, and a
 * broken rules file's error appears. Skips when Chromium or the web build is missing, unless
 * TRAINYARD_REQUIRE_ALL=1.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { asReader, hasChromium, hasWebBuild, launchBrowser, type BrowserSession } from './dashboard-browser.ts';
import { killRuns, REPO, requireOrSkip, startServer, tempDir, waitFor, type TestServer } from './harness.ts';

const skip = requireOrSkip(hasChromium(), 'chromium (/usr/bin/chromium)') || requireOrSkip(hasWebBuild(), 'the dashboard build (web/dist; run npm run build:web)');

const RULES = `rules:
  - name: follow
    description: a follow-up for every job named "first"
    on: job.submitted
    where: {data.name: first}
    do: {submit: {name: "follow-\${event.jobId}", command: ["true"], cwd: ${JSON.stringify(REPO)}}}
  - name: watch
    on: job.state_changed
    where: {data.to: failed}
    cooldownSeconds: 600
    do: {pause: {}}
`;

describe('dashboard: automations page', { skip }, () => {
  let server: TestServer;
  let browser: BrowserSession;

  const firings = async (rule: string) => (await server.api(`/api/v1/rules/${rule}/firings`)).body.firings as any[];
  const submitFirst = async () => (await server.api('/api/v1/jobs', { body: { name: 'first', command: ['true'], cwd: REPO } })).body.id as number;

  before(async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'automations.yaml'), RULES);
    server = await startServer({ dataDir });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    if (server) {
      killRuns(server.dataDir);
      await server.stop();
    }
  });

  it('lists the rules with their last firing, shows a rule\'s firings live, and lets an admin disable one', async () => {
    const first = await submitFirst();
    const [fired] = await waitFor(async () => {
      const f = await firings('follow');
      return f.length === 1 && f[0].state === 'succeeded' ? f : null;
    }, { what: 'the follow rule fired' });
    assert.equal(fired.madeJobId !== null, true);

    const page = await browser.open(server.url, server.adminToken, '/');
    await page.getByRole('link', { name: 'Automations' }).click();
    const table = page.getByTestId('rules');
    await table.waitFor();
    const row = (name: string) => table.locator(`tr[data-rule="${name}"]`);
    assert.deepEqual(await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-rule'), r.getAttribute('data-enabled')])),
      [['follow', 'true'], ['watch', 'true']]);
    assert.equal(await row('follow').getByTestId('trigger').innerText(), 'on job.submitted where data.name is first');
    assert.equal(await row('follow').getByTestId('action').innerText(), 'submit job "follow-${event.jobId}"');
    assert.equal(await row('watch').getByTestId('trigger').innerText(), 'on job.state_changed where data.to is failed');
    assert.equal(await row('watch').getByTestId('action').innerText(), "pause the event's job");
    assert.match(await row('watch').innerText(), /\bfile\b[\s\S]*10 min[\s\S]*never/);
    assert.match(await row('follow').getByTestId('last-firing').innerText(), /succeeded/);

    await row('follow').getByRole('link', { name: 'follow' }).click();
    await page.waitForURL(/\/automations\?rule=follow$/);
    const list = page.getByTestId('firings');
    await list.waitFor();
    const firing = list.locator(`tr[data-firing="${fired.id}"]`);
    assert.equal(await firing.getAttribute('data-state'), 'succeeded');
    assert.equal(await firing.getByTestId('cause').innerText(), `event #${fired.eventId}`);
    assert.match(await firing.getByTestId('detail').innerText(), new RegExp(`job #${fired.madeJobId}`));
    if (fired.detail) assert.ok((await firing.getByTestId('detail').innerText()).includes(fired.detail));
    assert.ok(first < fired.madeJobId, 'the follow-up came after the job that caused it');

    // A second cause: its firing appears without a reload (automation.* events, or the poll).
    await submitFirst();
    await waitFor(async () => (await list.locator('tbody tr').count()) === 2, { what: 'the second firing on the page' });
    await browser.screenshot(page, 'automations');

    await row('watch').getByRole('button', { name: 'Disable' }).click();
    await waitFor(async () => (await row('watch').getAttribute('data-enabled')) === 'false', { what: 'watch shown disabled' });
    assert.equal((await server.api('/api/v1/rules/watch')).body.enabled, false);
    assert.equal((await server.api('/api/v1/rules/follow')).body.enabled, true);
    await row('watch').getByRole('button', { name: 'Enable' }).waitFor();
    assert.deepEqual(browser.errors, []);
  });

  it('shows a read-only token no toggle, and the rules file\'s error', async () => {
    const page = await browser.open(server.url, asReader(server.adminToken), '/automations');
    const table = page.getByTestId('rules');
    await table.locator('tr[data-rule="watch"]').waitFor();
    assert.equal(await table.getByRole('button').count(), 0);
    assert.equal(await page.getByRole('button', { name: /^(Enable|Disable)$/ }).count(), 0);

    writeFileSync(join(server.dataDir, 'automations.yaml'), RULES.replace('on: job.state_changed', 'on: job.changed'));
    await waitFor(async () => (await server.api('/api/v1/rules')).body.file.error, { what: 'the broken file reported' });
    const note = page.getByTestId('rules-file-error');
    await note.waitFor({ timeout: 30_000 });
    assert.match(await note.innerText(), /automations\.yaml:\d+:\d+: .*job\.changed[\s\S]*previous rules stay in force/);
    assert.equal(await table.locator('tbody tr').count(), 2, 'the previous rules are still listed');
    assert.deepEqual(browser.errors, []);
  });
});
