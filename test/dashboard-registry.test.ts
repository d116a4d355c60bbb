/**
 * The dashboard's models page and a job's evaluations in a real browser (Debian's Chromium)
 * against a real server: a job reads a registered dataset and registers three checkpoints, a
 * real eval suite judges each against a fixed baseline (the third regresses), a model gets two
 * versions and `production` moves twice with reasons. The model page shows both moves with
 * their reasons and the lineage from the dataset to the alias; the job page's leaderboard shows
 * the baseline beside each score, the verdicts and the regression, and "promote anyway" records
 * its reason (an admin only); the deployments page shows what a target (http-reload, against a
 * small real endpoint) serves, each deployment's steps and the reason of a failure, and rolls
 * back with a reason. Skips when Chromium or the web build is missing, unless
 * TRAINYARD_REQUIRE_ALL=1.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReloadServer, type ReloadServer } from '../src/deploy/targets/http-reload/reload-server.fixture.ts';
import { asReader, hasChromium, hasWebBuild, launchBrowser, type BrowserSession } from './dashboard-browser.ts';
import { killRuns, REPO, requireOrSkip, startServer, tempDir, waitFor, waitForJob, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');
const skip = requireOrSkip(hasChromium(), 'chromium (/usr/bin/chromium)') || requireOrSkip(hasWebBuild(), 'the dashboard build (web/dist; run npm run build:web)');

/** The suite's command: each checkpoint's loss comes from its content (`{"step": N}`). */
const EVAL_SCRIPT = `
import { readFileSync } from 'node:fs';
const { step } = JSON.parse(readFileSync(process.env.TRAINYARD_EVAL_CHECKPOINT, 'utf8'));
const loss = { 5: 0.5, 10: 0.3, 15: 0.9 }[step];
console.log('#trainyard metrics step=0 loss=' + loss + ' accuracy=' + (1 - loss));
`;

const chatRows = (n: number) => Array.from({ length: n }, (_, i) =>
  JSON.stringify({ messages: [{ role: 'user', content: `question ${i}` }, { role: 'assistant', content: `reply ${i}` }] })).join('\n') + '\n';

async function post(server: TestServer, path: string, body: unknown, method = 'POST'): Promise<any> {
  const { status, body: answer } = await server.api(path, { method, body });
  assert.ok(status >= 200 && status < 300, `${method} ${path}: ${status} ${JSON.stringify(answer)}`);
  return answer;
}

describe('dashboard models and evaluations in a browser', { skip, timeout: 180_000 }, () => {
  let server: TestServer;
  let browser: BrowserSession;
  let jobId: number;
  let endpoint: ReloadServer | undefined;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const work = tempDir('trainyard-dashboard-registry-');
    writeFileSync(join(work, 'eval.mjs'), EVAL_SCRIPT);
    writeFileSync(join(work, 'train.jsonl'), chatRows(20));
    await post(server, '/api/v1/datasets', { name: 'chat-data', path: join(work, 'train.jsonl'), format: 'chat' });
    await post(server, '/api/v1/eval-suites', {
      name: 'heldout',
      command: [process.execPath, 'eval.mjs'],
      cwd: work,
      metrics: [{ name: 'loss', goal: 'min', change: { relative: -0.2 } }, { name: 'accuracy', goal: 'max' }],
      baseline: { label: 'random policy', values: { loss: 1.0, accuracy: 0.0 } },
    });
    const job = await post(server, '/api/v1/jobs', {
      name: 'trainer', command: [process.execPath, TRAINER, '--steps', '15', '--ckpt-every', '5'], cwd: REPO,
      keepCheckpoints: 0, maxRetries: 0, evaluate: ['heldout'], datasets: { train: 'chat-data' },
    });
    jobId = job.id;
    assert.equal((await waitForJob(server, jobId, ['succeeded', 'failed'])).state, 'succeeded');
    const evaluations = async () => (await server.api(`/api/v1/evaluations?job=${jobId}`)).body.evaluations as any[];
    await waitFor(async () => (await evaluations()).filter((e) => e.state === 'done').length === 3, { what: 'three evaluations', timeoutMs: 60_000 });

    const checkpoints = (await server.api(`/api/v1/jobs/${jobId}/checkpoints`)).body.checkpoints as any[];
    const at = (step: number) => checkpoints.find((c) => c.step === step).id;
    await post(server, '/api/v1/models', { name: 'chat', description: 'the assistant', tags: ['llm'] });
    await post(server, '/api/v1/models/chat/versions', { checkpointId: at(5), notes: 'first usable' });
    await post(server, '/api/v1/models/chat/aliases/production', { version: 1, reason: 'first usable checkpoint' }, 'PUT');
    await post(server, '/api/v1/models/chat/versions', { checkpointId: at(10) });
    await post(server, '/api/v1/models/chat/aliases/production', { version: 2, reason: 'better heldout loss' }, 'PUT');
  });

  after(async () => {
    await browser?.close();
    await endpoint?.close();
    if (server) {
      killRuns(server.dataDir);
      await server.stop();
    }
  });

  it('lists the model, and its page shows both versions, both alias moves with their reasons, and the lineage', async () => {
    const page = await browser.open(server.url, asReader(server.adminToken), '/');
    await page.getByRole('navigation', { name: 'pages' }).getByRole('link', { name: 'Models', exact: true }).click();
    const row = page.locator('[data-testid="models"] tr[data-model="chat"]');
    await row.waitFor();
    assert.match(await row.textContent() ?? '', /v2/);
    assert.match(await row.locator('[data-alias="production"]').textContent() ?? '', /production → v2/);
    assert.match(await row.textContent() ?? '', /manual only/);
    await row.getByRole('link', { name: 'chat' }).click();

    const history = page.locator('[data-testid="alias-history"] tbody tr');
    await waitFor(async () => (await history.count()) === 2, { what: 'two alias moves' });
    const moves = await history.evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(1).map((td) => td.textContent)));
    const admin = `admin token ${server.adminToken.split('_')[1]}`;
    assert.deepEqual(moves, [
      ['production', 'v1 → v2', admin, 'better heldout loss'],
      ['production', 'unset → v1', admin, 'first usable checkpoint'],
    ], 'newest first, each with who and why');
    assert.match(await page.locator('[data-testid="aliases"] tr[data-alias="production"]').textContent() ?? '', /v2.*better heldout loss/);

    const versions = page.locator('[data-testid="versions"] tbody tr');
    assert.deepEqual(await versions.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-version'))), ['2', '1']);
    const v1 = page.locator('[data-testid="versions"] tr[data-version="1"]');
    assert.match(await v1.textContent() ?? '', /#\d+ trainer/);
    assert.match(await v1.textContent() ?? '', /heldout\s*pass/, 'the evaluation recorded with the version');
    assert.match(await v1.textContent() ?? '', /first usable/);

    const lineage = page.locator('[data-testid="lineage"]');
    for (const node of ['dataset:chat-data@1', `job:${jobId}`, 'version:1', 'version:2', 'alias:production']) {
      assert.equal(await lineage.locator(`[data-node="${node}"]`).count(), 1, node);
    }
    assert.equal(await lineage.locator('.lineage-edge').count(), 1 + 2 + 2 + 1, 'dataset→job, job→2 checkpoints, 2 checkpoints→versions, v2→production');
    await browser.screenshot(page, 'model');
    await lineage.locator(`[data-node="job:${jobId}"]`).click();
    await page.waitForURL(`**/jobs/${jobId}`);
    await page.close();
  });

  it("shows the job's leaderboard with the baseline, verdicts and the regression; a read token cannot override", async () => {
    const page = await browser.open(server.url, asReader(server.adminToken), `/jobs/${jobId}`);
    const board = page.locator('[data-testid="leaderboard"][data-suite="heldout"]');
    await board.waitFor();
    assert.match(await board.locator('[data-testid="baseline"]').textContent() ?? '', /baseline random policy: score -0\.5/);
    assert.match(await board.locator('[data-testid="baseline-row"]').textContent() ?? '', /random policy.*-0\.5.*1.*0/);
    const rows = board.locator('tbody tr[data-evaluation]');
    const read = await rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-step'), tr.querySelector('[data-testid="verdict"]')?.textContent, tr.querySelector('[data-testid="regression"]') !== null]));
    assert.deepEqual(read, [['10', 'pass', false], ['5', 'pass', false], ['15', 'fail', true]], 'ranked by score');
    const best = board.locator('tr[data-step="10"]');
    assert.match(await best.locator('td[data-metric="loss"]').textContent() ?? '', /0\.3\s*base 1\s*-0\.7 \(-70 %\)/);
    assert.match(await best.textContent() ?? '', /\+0\.7 vs base/);
    assert.match(await board.locator('tr[data-step="15"]').textContent() ?? '', /change bound is -20 %/);
    assert.equal(await page.getByRole('button', { name: /Promote anyway/ }).count(), 0, 'a read token sees no override');
    await page.close();
  });

  it('overrides a failing verdict with a reason (promote anyway), recorded with who and why', async () => {
    const page = await browser.open(server.url, server.adminToken, `/jobs/${jobId}`);
    const failing = page.locator('[data-testid="leaderboard"] tr[data-step="15"]');
    await failing.getByRole('button', { name: /Promote anyway/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Promote step 15 anyway?').waitFor();
    assert.equal(await dialog.getByRole('button', { name: 'Promote anyway' }).isDisabled(), true, 'a reason is required');
    await dialog.getByLabel('Reason').fill('the eval set changed');
    await dialog.getByRole('button', { name: 'Promote anyway' }).click();
    await failing.locator('[data-testid="override"]', { hasText: 'the eval set changed' }).waitFor();
    assert.equal(await failing.getByRole('button', { name: /Promote anyway/ }).count(), 0);
    const evaluation = (await server.api(`/api/v1/evaluations/${await failing.getAttribute('data-evaluation')}`)).body;
    assert.deepEqual([evaluation.override?.reason, evaluation.promotable], ['the eval set changed', true]);
    await browser.screenshot(page, 'job-evaluations');
    await page.close();
  });

  it('shows what a target serves and its deployments with their steps and reasons, and rolls back with a reason', async () => {
    endpoint = await startReloadServer();
    await post(server, '/api/v1/deploy/targets/edge', {
      kind: 'http-reload', model: 'chat', alias: 'edge', config: { url: endpoint.url, baseUrl: endpoint.baseUrl },
      smoke: { prompt: 'hi', expect: { contains: 'step' } }, watch: { windowSeconds: 0 },
    }, 'PUT');
    const deploy = async (version: number) => {
      const requested = await post(server, '/api/v1/deployments', { target: 'edge', model: 'chat', version, reason: `try v${version}` });
      return waitFor(async () => {
        const d = (await server.api(`/api/v1/deployments/${requested.id}`)).body;
        return d.endedAt !== null ? d : null;
      }, { what: `deployment ${requested.id} to end`, timeoutMs: 30_000 });
    };
    assert.equal((await deploy(1)).state, 'succeeded');
    assert.equal((await deploy(2)).state, 'succeeded');
    endpoint.setHealthy(false);
    const broken = await deploy(1);
    endpoint.setHealthy(true);
    assert.notEqual(broken.state, 'succeeded');
    assert.ok(broken.reason, JSON.stringify(broken));

    const page = await browser.open(server.url, server.adminToken, '/');
    await page.getByRole('navigation', { name: 'pages' }).getByRole('link', { name: 'Deployments', exact: true }).click();
    const target = page.locator('[data-testid="targets"] tr[data-target="edge"]');
    await target.locator('[data-testid="serving"]', { hasText: 'v2' }).waitFor();
    const failed = page.locator(`[data-testid="deployments"] tr[data-deployment="${broken.id}"]`);
    assert.equal(await failed.locator('[data-testid="reason"]').textContent(), broken.reason, 'the reason of the failure');
    assert.match(await failed.textContent() ?? '', /v2 → v1/);
    assert.match(await failed.textContent() ?? '', /requested \+0 ms/);
    await browser.screenshot(page, 'deployments');

    await target.getByRole('button', { name: /Roll back/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Roll back edge?').waitFor();
    assert.match(await dialog.textContent() ?? '', /back to v1/);
    await dialog.getByLabel('Reason').fill('v2 answers too slowly');
    await dialog.getByRole('button', { name: 'Roll back' }).click();
    await target.locator('[data-testid="serving"]', { hasText: 'v1' }).waitFor({ timeout: 30_000 });
    const rollback = page.locator('[data-testid="deployments"] tbody tr').first();
    await rollback.getByText(/rollback from version 2 by .*: v2 answers too slowly/).waitFor();
    assert.equal(endpoint.loaded()?.version, 1, 'the endpoint serves v1 again');
    await page.locator('a', { hasText: /^chat$/ }).first().click();
    const lineage = page.locator('[data-testid="lineage"]');
    await lineage.locator('[data-node="target:edge"]', { hasText: 'serving v1' }).waitFor();
    assert.match(await lineage.locator('[data-node="alias:edge"]').textContent() ?? '', /→ v1/, 'the alias followed the rollback');
    await browser.screenshot(page, 'model-deployed');
    await page.close();

    const reader = await browser.open(server.url, asReader(server.adminToken), '/deployments');
    await reader.locator('[data-testid="targets"] tr[data-target="edge"]').waitFor();
    assert.equal(await reader.getByRole('button', { name: /Roll back/ }).count(), 0, 'a read token cannot roll back');
    await reader.close();
  });

  it('raised no error in any page', () => {
    assert.deepEqual(browser.errors, []);
  });
});
