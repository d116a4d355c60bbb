/**
 * The job page's Artifacts section in a real browser (Debian's Chromium) against a real server:
 * a run's PNG and SVG shown inline in a grid by step (the PNG decoded, the SVG's script not
 * run), a CSV shown as a table of its first rows with the total, a TSV, a text preformatted,
 * another file as a download, and an image attached while the page is open appearing by
 * itself. Skips when Chromium or the web build is missing, unless TRAINYARD_REQUIRE_ALL=1.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { hasChromium, hasWebBuild, launchBrowser, type BrowserSession } from './dashboard-browser.ts';
import { killRuns, requireOrSkip, startServer, tempDir, waitForJob, type TestServer } from './harness.ts';

const skip = requireOrSkip(hasChromium(), 'chromium (/usr/bin/chromium)') || requireOrSkip(hasWebBuild(), 'the dashboard build (web/dist; run npm run build:web)');

/** A valid `size`×`size` grey PNG. */
function png(size: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const rows = Buffer.concat(Array.from({ length: size }, () => Buffer.concat([Buffer.from([0]), Buffer.alloc(size, 128)])));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

const CSV_ROWS = 120;

describe('dashboard artifacts in a browser', { skip }, () => {
  let server: TestServer;
  let browser: BrowserSession;
  let jobId: number;
  let runId: number;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const dir = tempDir('trainyard-dashboard-artifacts-');
    writeFileSync(join(dir, 'gantt-1.png'), png(4));
    writeFileSync(join(dir, 'gantt-2.png'), png(6));
    // An SVG whose script would set the page's title if it ran.
    writeFileSync(join(dir, 'plot.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>parent.document.title="pwned"</script><rect width="10" height="10" fill="red"/></svg>');
    writeFileSync(join(dir, 'results.csv'), `variant,makespan\n${Array.from({ length: CSV_ROWS }, (_, i) => `"v${i}, seed 1",${100 + i}`).join('\n')}\n`);
    writeFileSync(join(dir, 'baselines.tsv'), 'method\tmakespan\nSPT\t140\nEDD\t150\n');
    writeFileSync(join(dir, 'summary.txt'), 'best: v0\n  makespan 100\n');
    writeFileSync(join(dir, 'report.html'), '<p>report</p>');
    const lines = [
      '#trainyard artifact path=gantt-1.png step=1',
      '#trainyard artifact path=plot.svg step=1',
      '#trainyard artifact path=gantt-2.png step=2',
      '#trainyard artifact path=results.csv step=2',
      '#trainyard artifact path=baselines.tsv',
      '#trainyard artifact path=summary.txt',
      '#trainyard artifact path=report.html',
    ];
    writeFileSync(join(dir, 'train.mjs'), `for (const line of ${JSON.stringify(lines)}) console.log(line);\n`);
    const { status, body } = await server.api('/api/v1/jobs', { body: { name: 'artifacts', command: [process.execPath, 'train.mjs'], cwd: dir, maxRetries: 0 } });
    assert.equal(status, 201, JSON.stringify(body));
    jobId = body.id;
    const job = await waitForJob(server, jobId, ['succeeded', 'failed']);
    assert.equal(job.state, 'succeeded');
    runId = job.runs[0].id;
    assert.equal((await server.api(`/api/v1/jobs/${jobId}/artifacts`)).body.artifacts.length, lines.length);
  });

  after(async () => {
    await browser?.close();
    if (server) {
      killRuns(server.dataDir);
      await server.stop();
    }
  });

  it('shows images inline in a grid by step, tables as tables, text preformatted, other files as downloads', async () => {
    const page = await browser.open(server.url, server.adminToken, `/jobs/${jobId}`);
    const section = page.locator('#artifacts');
    await section.waitFor({ timeout: 15_000 });
    // Images by step: step 1 holds the 4×4 PNG and the SVG, step 2 the 6×6 PNG; each decoded.
    const step1 = section.locator('.artifact-step[data-step="1"] img');
    const step2 = section.locator('.artifact-step[data-step="2"] img');
    await step2.first().waitFor();
    assert.deepEqual(await step1.evaluateAll((imgs) => imgs.map((i) => i.getAttribute('alt'))), ['gantt-1.png', 'plot.svg']);
    // Decoded: each image has its natural width (the browser's types are not in this project's lib).
    await page.waitForFunction("[...document.querySelectorAll('#artifacts img')].every((i) => i.complete && i.naturalWidth > 0)");
    assert.deepEqual(await section.locator('img').evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth)), [4, 10, 6]);
    assert.notEqual(await page.title(), 'pwned', "the SVG's script ran");

    // The CSV: its header, its first 50 rows (a quoted comma kept in its cell), the total.
    const table = section.locator('[data-testid="artifact-table"]').filter({ hasText: 'results.csv' });
    await table.locator('tbody tr').first().waitFor();
    assert.deepEqual(await table.locator('thead th').allTextContents(), ['variant', 'makespan']);
    assert.equal(await table.locator('tbody tr').count(), 50);
    assert.deepEqual(await table.locator('tbody tr').first().locator('td').allTextContents(), ['v0, seed 1', '100']);
    assert.equal(await table.locator('[data-testid="table-note"]').textContent(), `The first 50 of ${CSV_ROWS} rows.`);
    const tsv = section.locator('[data-testid="artifact-table"]').filter({ hasText: 'baselines.tsv' });
    await tsv.locator('tbody tr').first().waitFor();
    assert.deepEqual(await tsv.locator('tbody tr').nth(1).locator('td').allTextContents(), ['EDD', '150']);

    const text = section.locator('[data-testid="artifact-text"] pre');
    await text.waitFor();
    assert.equal(await text.textContent(), 'best: v0\n  makespan 100\n');
    assert.deepEqual(await section.locator('[data-testid="artifact-files"] a').allTextContents(), ['report.html']);
    await browser.screenshot(page, 'dashboard-artifacts');
  });

  it('shows an image attached while the page is open', async () => {
    const page = await browser.open(server.url, server.adminToken, `/jobs/${jobId}`);
    await page.locator('#artifacts img').first().waitFor({ timeout: 15_000 });
    const response = await fetch(`${server.url}/api/v1/runs/${runId}/artifacts?name=late.png&step=3`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/octet-stream' },
      body: png(8),
    });
    assert.equal(response.status, 201);
    const late = page.locator('.artifact-step[data-step="3"] img');
    await late.waitFor({ timeout: 15_000 });
    assert.equal(await late.getAttribute('alt'), 'late.png');
  });

  it('raised no error in any page', () => {
    assert.deepEqual(browser.errors, []);
  });
});
