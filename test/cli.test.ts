/**
 * The `trainyard` CLI end to end: the real bin/trainyard.js against a real server (test/harness.ts).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliJson, REPO, runCli, startServer, tempDir, waitForJob, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');

describe('trainyard CLI against a server', { timeout: 240_000 }, () => {
  let server: TestServer;
  let work: string;
  const run = (args: string[], options: { env?: Record<string, string>; cwd?: string } = {}) => runCli(args, { home: server.dataDir, ...options });

  before(async () => {
    server = await startServer();
    work = tempDir('trainyard-cli-work-');
    mkdirSync(join(work, 'jobs'));
    writeFileSync(
      join(work, 'jobs', 'job.yaml'),
      [
        '# a job file with a relative cwd',
        'name: lines',
        `command: [node, ${JSON.stringify(TRAINER)}, --steps, "12", --interval-ms, "20", --ckpt-every, "4"]`,
        'cwd: ..',
        'params: {lr: 0.01}',
        'tags: [cli-test]',
        '',
      ].join('\n'),
    );
    writeFileSync(join(work, 'jobs', 'broken.yaml'), 'name: broken\ncommand: [node, train.mjs\ncwd: .\n');
    writeFileSync(join(work, 'jobs', 'bad-spec.yaml'), 'command: [node, x.mjs]\nresources:\n  gpus: -1\n');
  });

  after(async () => {
    await server?.stop();
  });

  it('submits a YAML job file and follows it to success', async () => {
    const result = await run(['submit', 'jobs/job.yaml', '--follow', '--json'], { cwd: work });
    const job = cliJson(result);
    assert.equal(job.state, 'succeeded');
    assert.equal(job.spec.cwd, work, 'relative cwd resolved against the file');
    assert.deepEqual(job.spec.params, { lr: 0.01 });
    assert.equal(job.latest.loss.step, 12);
    assert.match(result.stderr, /running: attempt 1/, 'progress lines go to stderr under --json');
  });

  it('prints the outcome, last metrics and checkpoint when following without --json', async () => {
    const result = await run(['submit', 'jobs/job.yaml', '--follow', '--name', 'lines-2'], { cwd: work });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /job \d+ succeeded in .* \(1 attempt\)/);
    assert.match(result.stdout, /last metrics \(step 12\): loss 0\.08333/);
    assert.match(result.stdout, /checkpoint: .*step-12\.json \(step 12 · /);
  });

  it('submits inline and reads the job back with ls, show, logs, metrics and checkpoints', async () => {
    const submitted = cliJson(await run(['submit', '--json', '--name', 'inline', '--param', 'lr=0.5', '--env', 'SEED=7', '--tag', 'x', '--', 'node', TRAINER, '--steps', '8', '--interval-ms', '10']));
    assert.equal(submitted.name, 'inline');
    assert.deepEqual(submitted.spec.command, ['node', TRAINER, '--steps', '8', '--interval-ms', '10']);
    assert.equal(submitted.spec.cwd, REPO);
    assert.deepEqual(submitted.spec.env, { SEED: '7' });
    const id: number = submitted.id;
    await waitForJob(server, id, ['succeeded']);

    const { jobs } = cliJson(await run(['ls', '--json', '--state', 'succeeded', '--limit', '50']));
    assert.ok(jobs.some((j: { id: number }) => j.id === id));
    const table = await run(['ls']);
    assert.match(table.stdout, /^ID\s+NAME\s+STATE\s+PRIORITY\s+PROGRESS\s+ETA/);
    assert.match(table.stdout, new RegExp(`\\n\\s*${id}\\s+inline\\s+succeeded\\s+normal\\s+8/8 100%`));

    const shown = cliJson(await run(['show', String(id), '--json']));
    assert.equal(shown.runs.length, 1);
    assert.equal(shown.latest.loss.step, 8);
    assert.match((await run(['show', String(id)])).stdout, /state:\s+succeeded/);

    const log = cliJson(await run(['logs', String(id), '--json']));
    assert.equal(log.attempt, 1);
    assert.match(log.text, /#trainyard metrics step=8 loss=0\.125/);
    assert.equal((await run(['logs', String(id)])).stdout, log.text);

    const { series } = cliJson(await run(['metrics', String(id), '--json']));
    assert.deepEqual(series.map((s: { key: string }) => s.key), ['loss']);
    const points = cliJson(await run(['metrics', String(id), 'loss', '--json', '--from', '3', '--to', '5']));
    assert.deepEqual(points.steps, [3, 4, 5]);
    assert.match((await run(['metrics', String(id), 'loss'])).stdout, /^loss: 8 points\n/);

    const { checkpoints } = cliJson(await run(['checkpoints', String(id), '--json']));
    assert.deepEqual(checkpoints.map((c: { step: number }) => c.step), [5]);
    assert.match((await run(['checkpoints', String(id)])).stdout, /step-5\.json/);
  });

  it('follows a log live and stops a job with --wait', async () => {
    const submitted = cliJson(await run(['submit', '--json', '--grace', '10', '--', 'node', TRAINER, '--steps', '100000', '--interval-ms', '20']));
    const following = run(['logs', String(submitted.id), '-f']);
    await waitForJob(server, submitted.id, ['running']);
    await new Promise((r) => setTimeout(r, 1500));
    const stopped = cliJson(await run(['stop', String(submitted.id), '--wait', '--json']));
    assert.equal(stopped.state, 'stopped');
    const followed = await following;
    assert.equal(followed.code, 0, followed.stderr);
    assert.match(followed.stdout, /stopped at step \d+/);
    assert.equal(followed.stdout, (await run(['logs', String(submitted.id)])).stdout, 'the followed log is the whole log, once');
  });

  it('exits 1 when a followed job fails', async () => {
    const result = await run(['submit', '--follow', '--max-retries', '0', '--', 'node', '-e', 'process.exit(3)']);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /job \d+ failed/);
    assert.match(result.stdout, /outcome: exit-code \(exit code 3\)/);
  });

  it('names file, line and column of a job file that does not parse', async () => {
    const result = await run(['submit', 'jobs/broken.yaml'], { cwd: work });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^error: jobs\/broken\.yaml:3:1: /);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it('names the field of a spec the server refuses', async () => {
    const fromFile = await run(['submit', 'jobs/bad-spec.yaml', '--json'], { cwd: work });
    assert.equal(fromFile.code, 1);
    assert.match(fromFile.stderr, /^error: jobs\/bad-spec\.yaml:3:3: resources\.gpus: /);
    assert.equal(JSON.parse(fromFile.stdout).error.field, 'resources.gpus');

    const inline = await run(['submit', '--env', 'TRAINYARD_JOB_ID=1', '--', 'true']);
    assert.equal(inline.code, 1);
    assert.match(inline.stderr, /^error: env\.TRAINYARD_JOB_ID: .*\(400 invalid_spec\)/);
  });

  it('finds the server through TRAINYARD_URL and TRAINYARD_TOKEN', async () => {
    const empty = tempDir();
    const ok = await runCli(['ls', '--json'], { home: empty, env: { TRAINYARD_URL: server.url, TRAINYARD_TOKEN: server.adminToken } });
    assert.ok(Array.isArray(cliJson(ok).jobs));
    const denied = await runCli(['ls'], { home: empty, env: { TRAINYARD_URL: server.url, TRAINYARD_TOKEN: 'ty_nope_nope' } });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /401/);
  });

  it('says how to start a server when none runs for the data dir', async () => {
    const empty = tempDir();
    const result = await runCli(['ls'], { home: empty });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `error: no server running for data dir ${empty}: start one with \`trainyard server\`\n`);
  });

  it('exits 2 on usage errors', async () => {
    assert.equal((await run(['show', 'x'])).code, 2);
    assert.equal((await run(['submit'])).code, 2);
  });
});
