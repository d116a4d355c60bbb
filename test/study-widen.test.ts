/**
 * Widening a study end to end (docs/studies.md, "Widening a study"): a real server, the CLI and
 * a tiny training script per trial (test/fixtures/study-trainer.mjs). An external search with
 * ASHA `action: pause` completes with two trials held; widening with --resume-paused then
 * resumes none (they rank below the cutoff of the values known), a larger --max-runs reopens
 * it, more (worse) trials reach the rung, and --resume-paused resumes the two that now rank in.
 * The refusals name what is wrong.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cliJson, killRuns, REPO, runCli, startServer, tempDir, waitFor, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'study-trainer.mjs');

describe('widening a study end to end', () => {
  let server: TestServer;
  after(async () => {
    if (!server) return;
    killRuns(server.dataDir);
    await server.stop().catch(() => {});
  });

  it('reopens a completed study with a larger maxRuns and resumes the ASHA-paused trials that rank in', async () => {
    server = await startServer();
    const cli = (...args: string[]) => runCli(args, { dataDir: server.dataDir });
    const cwd = tempDir('trainyard-widen-');
    const submitted = await server.api('/api/v1/studies', {
      body: {
        name: 'widen',
        // steps is a choice so the first trial ends soon and the others stay running long enough to be paused.
        job: { command: [process.execPath, TRAINER], cwd, maxRetries: 0, params: { intervalMs: 100 } },
        params: { lr: { float: [0.01, 1] }, steps: { choice: [12, 300] } },
        search: 'external', maxRuns: 3, parallelism: 2,
        objective: { metric: 'loss', mode: 'min' },
        earlyStopping: { asha: { minResource: 2, maxResource: 4, reductionFactor: 2, action: 'pause' } },
      },
    });
    assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
    const trial = async (index: number) => (await server.api(`/api/v1/studies/widen/trials/${index}`)).body;
    const ask = async (lr: number, steps: number) => {
      const { status, body } = await server.api('/api/v1/studies/widen/ask', { body: { params: { lr, steps } } });
      assert.equal(status, 200, JSON.stringify(body));
      return body.index as number;
    };
    const until = (index: number, state: string, action?: string) => waitFor(async () => {
      const t = await trial(index);
      return t.state === state && (action === undefined || t.decision?.action === action) ? t : null;
    }, { what: `trial ${index} to be ${state}${action ? ` (${action})` : ''}`, timeoutMs: 60_000 });

    // loss = lr · (1 + 10/step): at the rung (step 2) 6 · lr. The first trial is alone at the rung: it runs on.
    await until(await ask(0.2, 12), 'succeeded');
    await until(await ask(0.3, 300), 'paused', 'pause');
    await until(await ask(0.5, 300), 'paused', 'pause');
    const completed = await waitFor(async () => {
      const { body } = await server.api('/api/v1/studies/widen');
      return body.state === 'completed' ? body : null;
    }, { what: 'the study to complete with two trials held', timeoutMs: 30_000 });
    assert.deepEqual(completed.counts, { pending: 0, active: 0, held: 2, succeeded: 1, failed: 0, stopped: 0 });

    // Of 3 values at the rung only the best continues: nothing to resume, and the answer says why.
    const none = cliJson(await cli('study', 'widen', 'widen', '--resume-paused', '--json'));
    assert.deepEqual(none.resumed, []);
    assert.deepEqual(none.held.map((h: any) => [h.index, h.rank, h.of, h.keep]), [[1, 2, 3, 1], [2, 3, 3, 1]]);
    assert.match(none.held[0].reason, /loss 1\.79+\d* ranks 2 of 3 at rung 2; the top 1 of 3 continue, cutoff 1\.2\d*: stays paused/);
    assert.equal(none.study.state, 'completed', 'nothing changed: it stays completed');

    // Refusals name what is wrong.
    const lower = await cli('study', 'widen', 'widen', '--max-runs', '2');
    assert.notEqual(lower.code, 0);
    assert.match(lower.stderr, /maxRuns: 2 is below the 3 trials study widen has made already/);
    const nothing = await cli('study', 'widen', 'widen');
    assert.notEqual(nothing.code, 0);
    assert.match(nothing.stderr, /give --max-runs N, --resume-paused, or both/);

    // A larger cap reopens it; three worse trials reach the rung and are paused there.
    const reopened = cliJson(await cli('study', 'widen', 'widen', '--max-runs', '6', '--json'));
    assert.equal(reopened.reopened, true);
    assert.equal(reopened.study.state, 'running');
    assert.equal(reopened.study.maxRuns, 6);
    for (const lr of [0.6, 0.7, 0.8]) await until(await ask(lr, 300), 'paused', 'pause');

    // All 6 asked and none open: it completed again. Six values at the rung: the top 3 continue,
    // so trials 1 (rank 2) and 2 (rank 3) are resumed, and the study reopens to run them.
    await waitFor(async () => ((await server.api('/api/v1/studies/widen')).body.state === 'completed' ? true : null), { what: 'the study to complete again', timeoutMs: 30_000 });
    const widened = await cli('study', 'widen', 'widen', '--resume-paused');
    assert.equal(widened.code, 0, widened.stderr);
    assert.match(widened.stdout, /resumed trial 1: widened: loss 1\.79+\d* ranks 2 of 6 at rung 2; the top 3 of 6 continue/);
    assert.match(widened.stdout, /resumed trial 2: /);
    assert.match(widened.stdout, /held trial 3: .*ranks 4 of 6.*stays paused/);
    for (const index of [1, 2]) {
      const t = await until(index, 'running');
      assert.equal(t.decision.action, 'resume');
      assert.equal(t.decision.step, 2);
    }
    assert.equal((await server.api('/api/v1/studies/widen')).body.state, 'running');
    const events = (await server.api('/api/v1/events?types=study.widened')).body.events;
    assert.deepEqual(events.map((e: any) => [e.data.added, e.data.maxRuns, e.data.previousMaxRuns, e.data.resumed, e.data.reopened]), [[0, 6, 3, [], true], [0, 6, 6, [1, 2], true]]);

    // A stopped study does not reopen.
    assert.equal((await cli('study', 'stop', 'widen')).code, 0);
    const stopped = await server.api('/api/v1/studies/widen/widen', { body: { maxRuns: 10 } });
    assert.equal(stopped.status, 409);
    assert.match(stopped.body.error.message, /study widen was stopped: a stopped study does not reopen/);
    const unknown = await server.api('/api/v1/studies/nope/widen', { body: { maxRuns: 10 } });
    assert.equal(unknown.status, 404);
  });
});
