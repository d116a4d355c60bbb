/**
 * Promotion end to end, through a real server, real processes and the CLI: a training job with
 * `evaluate: [heldout]` and `keepCheckpoints: 1` registers four checkpoints; each is evaluated
 * (none deleted before its evaluation read it); a model whose promotion rule watches the suite
 * gets `production` moved by itself to the best one, never to the regressing one, and
 * `trainyard model history` shows the moves by `system` with the reason.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO, runCli, tempDir, useServer, waitFor, waitForJob, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');

/**
 * The suite's command: waits for its step's gate (so the test decides the order and every
 * checkpoint is older than `keepCheckpoints` allows by then), reads the checkpoint file (it
 * fails if retention deleted it) and reports a loss chosen by step.
 */
const EVAL_SCRIPT = `
import { existsSync, readFileSync } from 'node:fs';
const path = process.env.TRAINYARD_EVAL_CHECKPOINT;
const { step } = JSON.parse(readFileSync(path, 'utf8'));
while (!existsSync('gate-' + step)) await new Promise((r) => setTimeout(r, 50));
const { step: again } = JSON.parse(readFileSync(path, 'utf8'));
const loss = { 5: 0.5, 10: 0.3, 15: 0.9, 20: 0.28 }[again];
console.log('#trainyard metrics step=0 loss=' + loss + ' accuracy=' + (1 - loss));
`;

const SUITE_FILE = `name: heldout
command: [${JSON.stringify(process.execPath)}, eval.mjs]
metrics:
  - {name: loss, goal: min}
  - {name: accuracy, goal: max}
`;

/** Runs the CLI in `cwd` against the server's URL with its admin token. */
const cli = (server: TestServer, args: string[], cwd: string) =>
  runCli(args, { cwd, env: { TRAINYARD_URL: server.url, TRAINYARD_TOKEN: server.adminToken } });

async function ok(server: TestServer, args: string[], cwd: string): Promise<string> {
  const result = await cli(server, args, cwd);
  assert.equal(result.code, 0, `trainyard ${args.join(' ')}: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

describe('promotion', { timeout: 240_000 }, () => {
  const server = useServer();

  it('moves production to the best evaluated checkpoint by itself, never to a regressing one', async () => {
    const s = server();
    const work = tempDir('trainyard-promotion-');
    writeFileSync(join(work, 'eval.mjs'), EVAL_SCRIPT);
    writeFileSync(join(work, 'heldout.yaml'), SUITE_FILE);
    await ok(s, ['eval', 'suite', 'add', 'heldout.yaml'], work);
    const created = await ok(s, ['model', 'create', 'lm', '--promote', 'production', '--margin', '0.05', '--suite', 'heldout'], work);
    assert.match(created, /created model lm \(promotes production when the composite score on heldout beats it by more than 0\.05\)/);

    const submitted = await s.api('/api/v1/jobs', {
      body: { name: 'continuous', command: [process.execPath, TRAINER, '--steps', '20', '--ckpt-every', '5'], cwd: REPO, keepCheckpoints: 1, maxRetries: 0, evaluate: ['heldout'] },
    });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const jobId: number = submitted.body.id;
    assert.equal((await waitForJob(s, jobId, ['succeeded', 'failed'])).state, 'succeeded');
    const evaluations = async () => (await s.api(`/api/v1/evaluations?job=${jobId}`)).body.evaluations as any[];
    await waitFor(async () => (await evaluations()).length === 4, { what: 'four evaluations' });
    const checkpoints = async () => (await s.api(`/api/v1/jobs/${jobId}/checkpoints`)).body.checkpoints as any[];
    assert.deepEqual((await checkpoints()).map((c) => [c.step, c.deleted]), [[5, false], [10, false], [15, false], [20, false]], 'keep 1, but none is evaluated yet');

    // One evaluation at a time, in step order.
    for (const step of [5, 10, 15, 20]) {
      writeFileSync(join(work, `gate-${step}`), '');
      await waitFor(async () => (await evaluations()).find((e) => e.step === step)?.state === 'done', { what: `the evaluation of step ${step}` });
    }
    const all = await evaluations();
    assert.deepEqual(all.map((e) => [e.step, e.result.verdict, e.result.values.loss, e.regressed]), [[5, 'pass', 0.5, false], [10, 'pass', 0.3, false], [15, 'pass', 0.9, true], [20, 'pass', 0.28, false]],
      'every checkpoint was read by its evaluation before retention could take it');

    const history = async (model = 'lm') => JSON.parse(await ok(s, ['model', 'history', model, 'production', '--json'], work)).moves as any[];
    // A barrier: the promoter handles events in order, so once it acted on an override made
    // now (a model created now takes the overridden checkpoint), it has judged steps 15 and 20.
    await ok(s, ['model', 'create', 'witness', '--promote', 'production', '--suite', 'heldout'], work);
    await ok(s, ['eval', 'override', String(all[2].id), '--reason', 'the eval set is noisy'], work);
    await waitFor(async () => (await history('witness')).length === 1, { what: 'the promoter to act on the override' });
    assert.match((await history('witness'))[0].reason, /^promotion rule: score -0\.4; production pointed at no version$/);
    const moves = await history();
    const [v1, v2] = [all[0].checkpointId, all[1].checkpointId];
    assert.deepEqual(moves.map((m) => [m.from, m.to, m.by]), [[null, 1, 'system'], [1, 2, 'system']]);
    assert.equal(moves[0].reason, 'promotion rule: score 0; production pointed at no version');
    assert.equal(moves[1].reason, 'promotion rule: score 0.2 beats 0.05: production (version 1) scores 0, margin 0.05');

    const shown = JSON.parse(await ok(s, ['model', 'show', 'lm', '--json'], work));
    assert.deepEqual(shown.versions.map((v: any) => [v.version, v.checkpointId, v.createdBy, v.aliases]), [[1, v1, 'system', []], [2, v2, 'system', ['production']]]);
    assert.deepEqual(shown.versions[1].lineage.evaluations.map((e: any) => [e.id, e.suite, e.verdict]), [[all[1].id, 'heldout', 'pass']]);
    const text = await ok(s, ['model', 'show', 'lm'], work);
    assert.match(text, /^ +v2 .*heldout pass 0\.2 .*production/m);
    const table = await ok(s, ['model', 'history', 'lm'], work);
    assert.match(table, /^\S+ +production +- +v1 +system +promotion rule: score 0; production pointed at no version/m);
    assert.match(table, /^\S+ +production +v1 +v2 +system +promotion rule: score 0\.2 beats 0\.05/m);

    // The version pins its checkpoint; the regressing one is not a version and not pinned.
    const left = await checkpoints();
    assert.equal(existsSync(left.find((c) => c.id === v2).path), true);
  });
});
