/**
 * Deployment through a real server, the real CLI and the `command` target (a script that
 * records each step and answers the smoke prompt): deploy with a watch, the alias moved on
 * success, a failing smoke check rolled back with the alias left alone, a manual rollback; and
 * a `kill -9` of the server during a watch, after which the deployment completes and alias and
 * target agree.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { killRuns, REPO, runCli, startServer, tempDir, useServer, waitFor, waitForJob, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');

/** The deploy script: appends "<step> <version>" to its log; at check prints an answer (none for BROKEN). */
const SCRIPT = `
import { appendFileSync } from 'node:fs';
const step = process.env.TRAINYARD_DEPLOY_STEP;
const version = process.env.TRAINYARD_DEPLOY_VERSION;
appendFileSync(process.env.STEP_LOG, step + ' ' + version + '\\n');
if (step === 'check') process.stdout.write(version === process.env.BROKEN ? '' : 'hello from v' + version);
`;

/** Runs the CLI against the server's data directory (its admin token). */
const cli = (server: TestServer, args: string[]) => runCli(args, { dataDir: server.dataDir });

/** A model `chat` with versions 1…3 from the checkpoints of a short training job. */
async function modelWithVersions(s: TestServer): Promise<void> {
  const job = await s.api('/api/v1/jobs', { body: { name: 'deploy-train', command: [process.execPath, TRAINER, '--steps', '12', '--interval-ms', '10', '--ckpt-every', '4'], cwd: REPO } });
  assert.equal(job.status, 201, JSON.stringify(job.body));
  assert.equal((await waitForJob(s, job.body.id, ['succeeded', 'failed'])).state, 'succeeded');
  const checkpoints = (await s.api(`/api/v1/jobs/${job.body.id}/checkpoints`)).body.checkpoints;
  assert.ok(checkpoints.length >= 3);
  assert.equal((await s.api('/api/v1/models', { body: { name: 'chat' } })).status, 201);
  for (const cp of checkpoints.slice(0, 3)) assert.equal((await s.api('/api/v1/models/chat/versions', { body: { checkpointId: cp.id } })).status, 201);
}

/** A command target file; returns its path and the script's step log. */
function targetFile(dir: string, watch: string): { file: string; steps: string } {
  const script = join(dir, 'deploy.mjs');
  const steps = join(dir, 'steps.log');
  writeFileSync(script, SCRIPT);
  writeFileSync(steps, '');
  const file = join(dir, 'serve.yaml');
  writeFileSync(file, [
    'name: serve',
    'kind: command',
    'model: chat',
    'alias: production',
    'config:',
    `  command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(script)}]`,
    `  env: {STEP_LOG: ${JSON.stringify(steps)}, BROKEN: "3"}`,
    'smoke:',
    '  prompt: Hello',
    '  expect: {matches: "\\\\w"}',
    `watch: ${watch}`,
    '',
  ].join('\n'));
  return { file, steps };
}

const production = async (s: TestServer) => (await s.api('/api/v1/models/chat/versions/production')).body.version;

describe('deployment through the command target', () => {
  const server = useServer();

  it('deploys with a watch and moves the alias; a failing smoke rolls back; rollback by hand', async () => {
    const s = server();
    await modelWithVersions(s);
    const dir = tempDir('trainyard-deploy-');

    // A target file with an error is refused naming the file, the line and the field.
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: serve\nkind: command\nmodel: chat\nconfig:\n  command: []\n');
    const refused = await cli(s, ['deploy', 'target', 'add', bad]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /bad\.yaml:5:\d+: config\.command: .*at least the program/);

    const { file, steps } = targetFile(dir, '{windowSeconds: 2, intervalSeconds: 1}');
    const added = await cli(s, ['deploy', 'target', 'add', file]);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /saved deploy target serve: command, follows chat@production, serves nothing yet/);

    const first = await cli(s, ['deploy', 'chat:1', 'serve', '--wait']);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assert.match(first.stdout, /requested\n {2}staging\n {2}checking\n {2}switching\n {2}watching\ndeployment \d+: succeeded/);
    assert.equal(await production(s), 1);

    const second = await cli(s, ['deploy', 'chat@2', 'serve', '--wait', '--json']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(JSON.parse(second.stdout).state, 'succeeded');
    assert.equal(await production(s), 2);

    // Version 3 answers nothing: its smoke check fails, v2 is switched back, the alias stays.
    writeFileSync(steps, '');
    const broken = await cli(s, ['deploy', 'chat:3', 'serve', '--wait', '--json']);
    assert.equal(broken.code, 1);
    const rolledBack = JSON.parse(broken.stdout);
    assert.deepEqual([rolledBack.state, rolledBack.failedStep, rolledBack.previousVersion], ['rolled-back', 'check', 2]);
    assert.match(rolledBack.reason, /^check: .*does not match/);
    assert.deepEqual(readFileSync(steps, 'utf8').trim().split('\n'), ['stage 3', 'check 3', 'stage 2', 'switch 2', 'retire 3']);
    assert.equal(await production(s), 2);
    const detail = (await s.api('/api/v1/deploy/targets/serve')).body;
    assert.deepEqual([detail.current.version, detail.live], [2, { model: 'chat', version: 2, servingName: null }]);

    const rollback = await cli(s, ['rollback', 'serve', '--reason', 'v2 answers worse', '--wait', '--json']);
    assert.equal(rollback.code, 0, rollback.stderr);
    const back = JSON.parse(rollback.stdout);
    assert.deepEqual([back.version, back.state], [1, 'succeeded']);
    assert.match(back.cause, /^rollback from version 2 by .*: v2 answers worse$/);
    assert.equal(await production(s), 1);

    const history = await cli(s, ['deployments', 'serve', '--json']);
    assert.deepEqual(JSON.parse(history.stdout).deployments.map((d: any) => [d.version, d.state]), [[1, 'succeeded'], [3, 'rolled-back'], [2, 'succeeded'], [1, 'succeeded']]);
    const events = (await s.api('/api/v1/events?types=deployment.finished')).body.events;
    assert.deepEqual(events.map((e: any) => e.data.state), ['succeeded', 'succeeded', 'rolled-back', 'succeeded']);
    killRuns(s.dataDir);
  });
});

describe('deployment across a kill -9 of the server', () => {
  it('a deployment killed during its watch (switched, alias not moved) completes after the restart; alias and target agree', async () => {
    let s = await startServer();
    try {
      await modelWithVersions(s);
      const dir = tempDir('trainyard-deploy-kill-');
      const { file } = targetFile(dir, '{windowSeconds: 0}');
      assert.equal((await cli(s, ['deploy', 'target', 'add', file])).code, 0);
      assert.equal((await cli(s, ['deploy', 'chat:1', 'serve', '--wait'])).code, 0);
      // A long watch from here on, so that the kill lands inside it.
      const { file: watched } = targetFile(dir, '{windowSeconds: 6, intervalSeconds: 1}');
      assert.equal((await cli(s, ['deploy', 'target', 'add', watched])).code, 0);
      const requested = (await s.api('/api/v1/deployments', { body: { target: 'serve', model: 'chat', version: 2 } })).body;
      await waitFor(async () => (await s.api(`/api/v1/deployments/${requested.id}`)).body.state === 'watching', { what: 'the watch' });
      await s.kill9();
      assert.equal((await readTarget(s)).live, null, 'the killed server answers nothing');

      s = await s.restart();
      const done = await waitFor(async () => {
        const d = (await s.api(`/api/v1/deployments/${requested.id}`)).body;
        return ['succeeded', 'rolled-back', 'failed'].includes(d.state) ? d : null;
      }, { what: 'the deployment to end after the restart', timeoutMs: 60_000 });
      assert.equal(done.state, 'succeeded', JSON.stringify(done));
      const target = await readTarget(s);
      assert.deepEqual([target.current.version, target.live?.version, await production(s)], [2, 2, 2], 'alias, record and target agree');
      assert.match(s.output(), new RegExp(`deployment ${requested.id} .* was in flight \\(watching\\): running it again from stage`));
    } finally {
      killRuns(s.dataDir);
      await s.stop();
    }
  });
});

async function readTarget(s: TestServer): Promise<any> {
  try {
    return (await s.api('/api/v1/deploy/targets/serve')).body;
  } catch {
    return { live: null };
  }
}
