/**
 * Evaluation end to end, through a real server, real processes and the CLI: a training job
 * (line-protocol trainer) registers three checkpoints; a suite whose command is a small node
 * script reads each checkpoint and reports a loss derived from its content, so that the third
 * regresses. Each checkpoint gets exactly one evaluation with the right verdict, the regression
 * is marked and announced, the leaderboard ranks them with the baseline beside, and a server
 * killed with SIGKILL while the evaluations run does not run any of them twice.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { killRuns, REPO, runCli, startServer, tempDir, waitFor, waitForJob, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');

/** The suite's command: the loss of each checkpoint comes from its content (`{"step": N}`). */
const EVAL_SCRIPT = `
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
const { step } = JSON.parse(readFileSync(process.env.TRAINYARD_EVAL_CHECKPOINT, 'utf8'));
appendFileSync('runs.txt', process.env.TRAINYARD_EVAL_CHECKPOINT_ID + ' ' + process.env.TRAINYARD_EVAL_SUITE + '\\n');
// Holds until the test opens its gate, so the server can be killed while it runs.
while (!existsSync('gate-' + step)) await new Promise((r) => setTimeout(r, 50));
const loss = { 5: 0.5, 10: 0.3, 15: 0.9 }[step];
console.log('#trainyard metrics step=0 loss=' + loss + ' accuracy=' + (1 - loss));
`;

const SUITE_FILE = `# the held-out check of the line trainer
name: heldout
command: [${JSON.stringify(process.execPath)}, eval.mjs]
metrics:
  - name: loss
    goal: min
    change: {relative: -0.2}   # at least 20 % better than the baseline
  - name: accuracy
    goal: max
baseline:
  label: random policy
  values: {loss: 1.0, accuracy: 0.0}
`;

/** Runs the CLI in `cwd` against the server's URL with its admin token, as user `ana`. */
const cli = (server: TestServer, args: string[], cwd: string) =>
  runCli(args, { cwd, env: { TRAINYARD_URL: server.url, TRAINYARD_TOKEN: server.adminToken, USER: 'ana' } });

describe('evaluation of every checkpoint', { timeout: 240_000 }, () => {
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) {
      killRuns(s.dataDir);
      await s.stop().catch(() => {});
    }
  });

  it('evaluates each checkpoint once, judges it, ranks them, and survives kill -9 mid-evaluation', async () => {
    const work = tempDir('trainyard-eval-work-');
    writeFileSync(join(work, 'eval.mjs'), EVAL_SCRIPT);
    writeFileSync(join(work, 'heldout.yaml'), SUITE_FILE);
    writeFileSync(join(work, 'bad.yaml'), SUITE_FILE.replace('goal: max', 'goal: highest'));
    const server = await startServer();
    servers.push(server);

    const bad = await cli(server, ['eval', 'suite', 'add', 'bad.yaml'], work);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: bad\.yaml:9:5: metrics\.1\.goal: expected one of "min"\|"max", got the string "highest"$/m);
    const added = await cli(server, ['eval', 'suite', 'add', 'heldout.yaml'], work);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /saved eval suite heldout version 1: loss \(min\), accuracy \(max\); baseline random policy/);
    const same = await cli(server, ['eval', 'suite', 'add', 'heldout.yaml', '--json'], work);
    assert.equal(JSON.parse(same.stdout).created, false);

    const unknown = await server.api('/api/v1/jobs', { body: { command: ['true'], cwd: work, evaluate: ['nope'] } });
    assert.deepEqual([unknown.status, unknown.body.error.field], [400, 'evaluate.0']);
    const submitted = await server.api('/api/v1/jobs', {
      body: { name: 'trainer', command: [process.execPath, TRAINER, '--steps', '15', '--ckpt-every', '5'], cwd: REPO, keepCheckpoints: 0, maxRetries: 0, evaluate: ['heldout'] },
    });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const jobId: number = submitted.body.id;
    const trained = await waitForJob(server, jobId, ['succeeded', 'failed']);
    assert.equal(trained.state, 'succeeded', JSON.stringify(trained.outcome));

    // All three evaluations run (each holding at its gate) when the server is killed.
    const runsFile = join(work, 'runs.txt');
    await waitFor(() => existsSync(runsFile) && readFileSync(runsFile, 'utf8').trim().split('\n').length === 3, { what: 'three evaluations to run' });
    await server.kill9();
    const again = await server.restart();
    servers.push(again);

    const evaluations = async () => (await again.api(`/api/v1/evaluations?job=${jobId}`)).body.evaluations as any[];
    for (const step of [5, 10, 15]) {
      writeFileSync(join(work, `gate-${step}`), '');
      await waitFor(async () => (await evaluations()).find((e) => e.step === step)?.state === 'done', { what: `the evaluation of step ${step}` });
    }
    const all = await evaluations();
    assert.deepEqual(all.map((e) => e.step), [5, 10, 15], 'one evaluation per checkpoint');
    const lines = readFileSync(runsFile, 'utf8').trim().split('\n');
    assert.deepEqual(lines.sort(), all.map((e) => `${e.checkpointId} heldout`).sort(), 'each ran once, across the restart');
    for (const e of all) assert.equal((await again.api(`/api/v1/jobs/${e.evalJobId}`)).body.attempts, 1, `evaluation ${e.id} was adopted, not run again`);
    assert.deepEqual(all.map((e) => [e.step, e.result.verdict, e.regressed]), [[5, 'pass', false], [10, 'pass', false], [15, 'fail', true]]);
    const round = (x: number) => Math.round(x * 1e9) / 1e9;
    assert.deepEqual(all.map((e) => round(e.result.score)), [0, 0.2, -0.4], 'the mean of -loss and accuracy');
    const e15 = all[2];
    assert.match(e15.result.summary, /loss 0\.9 changed by -10 % against the baseline 1; lower is better and the change bound is -20 %; regression: loss 0\.9 is 200\.0 % worse than the best 0\.3/);
    assert.equal(e15.promotable, false);

    const events = (await again.api(`/api/v1/events?job=${jobId}&types=evaluation.started,evaluation.done,evaluation.regression`)).body.events as any[];
    assert.deepEqual(events.filter((e) => e.type === 'evaluation.started').length, 3);
    assert.deepEqual(events.filter((e) => e.type === 'evaluation.done').map((e) => [e.data.step, e.data.verdict]), [[5, 'pass'], [10, 'pass'], [15, 'fail']]);
    assert.deepEqual(events.filter((e) => e.type === 'evaluation.regression').map((e) => [e.data.checkpointId, e.data.regressions.map((r: any) => r.metric)]), [[e15.checkpointId, ['loss', 'accuracy']]]);

    const board = (await again.api(`/api/v1/evaluations/leaderboard?job=${jobId}`)).body;
    assert.equal(board.boards.length, 1);
    assert.deepEqual(board.boards[0].baseline, { label: 'random policy', values: { loss: 1, accuracy: 0 }, score: -0.5 });
    assert.deepEqual(board.boards[0].rows.map((r: any) => [r.rank, r.evaluation.step, round(r.evaluation.result.scoreDelta)]), [[1, 10, 0.7], [2, 5, 0.5], [3, 15, 0.1]]);
    const across = (await again.api('/api/v1/evaluations/leaderboard?suite=heldout')).body;
    assert.deepEqual(across.boards[0].rows.map((r: any) => [r.jobName, r.evaluation.step]), [['trainer', 10], ['trainer', 5], ['trainer', 15]]);
    const checkpoints = (await again.api(`/api/v1/jobs/${jobId}/checkpoints`)).body.checkpoints as any[];
    assert.deepEqual(checkpoints.map((c) => [c.step, c.evaluations.map((e: any) => e.result.verdict)]), [[5, ['pass']], [10, ['pass']], [15, ['fail']]]);

    const ls = await cli(again, ['eval', 'ls', String(jobId)], work);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /suite heldout \(version 1\) · baseline random policy: score -0\.5/);
    assert.match(ls.stdout, /^ +1 +10 .* pass +0\.2 \(\+0\.7\) +0\.3 \(-0\.7\)/m);
    assert.match(ls.stdout, /^ +3 +15 .* fail .*0\.9 \(-0\.1\) ✗.*REGRESSION/m);
    const listed = await cli(again, ['checkpoints', String(jobId)], work);
    assert.match(listed.stdout, /^ *\d+ +10 .*heldout pass /m);
    assert.match(listed.stdout, /^ *\d+ +15 .*heldout fail REGRESSION /m);
    const show = await cli(again, ['eval', 'show', String(e15.id)], work);
    assert.match(show.stdout, /verdict: +FAIL: loss 0\.9 changed by -10 %/);
    assert.match(show.stdout, /^loss +min +0\.9 +1 +-0\.1 +-10 % +rel -20 %/m);
    const overridden = await cli(again, ['eval', 'override', String(e15.id), '--reason', 'the eval set is noisy', '--json'], work);
    assert.equal(overridden.code, 0, overridden.stderr);
    const after15 = JSON.parse(overridden.stdout);
    assert.equal(after15.promotable, true);
    assert.match(after15.override.by, /^ana via admin token [0-9a-f]{16}$/);
    const manual = await cli(again, ['eval', 'run', 'heldout', '--checkpoint', String(e15.checkpointId)], work);
    assert.match(manual.stdout, new RegExp(`was evaluated by heldout already: evaluation ${e15.id} \\(fail\\)`));
  });
});
