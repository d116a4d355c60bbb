/**
 * `from:` through a real server, real processes and the real CLI: a job starts from another
 * job's latest checkpoint and sees it as TRAINYARD_INIT_FROM (a retry too, beside its own
 * RESUME_FROM); a job submitted with `--from model:chat@production` starts from the version's
 * checkpoint, keeps it after the alias moves, and a version made from it records the chain;
 * references that name nothing are refused with the field named.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cliJson as parseCliJson, REPO, runCli, useServer, waitForJob, withOptions, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');

/** A shell script that prints what the run was given, then trains with the line trainer. */
const script = (trainerArgs: string) =>
  `echo "init=[$TRAINYARD_INIT_FROM] init_id=[$TRAINYARD_INIT_FROM_ID] resume=[$TRAINYARD_RESUME_FROM]" && ${JSON.stringify(process.execPath)} ${JSON.stringify(TRAINER)} ${trainerArgs}`;

/** Runs the CLI against the server's data directory (its admin token). */
const cli = (server: TestServer, args: string[]) => runCli(args, { dataDir: server.dataDir });

/** `trainyard ARGS --json` (the flag before a `--`), asserted to succeed, its output parsed. */
const cliJson = async (server: TestServer, args: string[]): Promise<any> => parseCliJson(await cli(server, withOptions(args, '--json')));

/** The log of one attempt of a job. */
async function log(server: TestServer, jobId: number, attempt = 1): Promise<string> {
  return (await server.api(`/api/v1/jobs/${jobId}/log?attempt=${attempt}`)).body;
}

describe('from: (continue from a checkpoint)', () => {
  const server = useServer();

  it('gives a job the checkpoint it starts from, through retries and alias moves, with lineage; refuses what names nothing', async () => {
    const s = server();
    const base = await s.api('/api/v1/jobs', { body: { name: 'base', command: script('--steps 10 --ckpt-every 5 --interval-ms 10'), shell: true, cwd: REPO } });
    assert.equal(base.status, 201, JSON.stringify(base.body));
    assert.equal((await waitForJob(s, base.body.id, ['succeeded', 'failed'])).state, 'succeeded');
    const [at5, at10] = (await s.api(`/api/v1/jobs/${base.body.id}/checkpoints`)).body.checkpoints;
    assert.deepEqual([at5.step, at10.step], [5, 10]);
    assert.match(await log(s, base.body.id), /^init=\[\] init_id=\[\] resume=\[\]$/m, 'a job without from: gets empty variables');

    // from: {job} → the job's latest checkpoint; a retry gets it again beside its own resume point.
    const continued = await s.api('/api/v1/jobs', {
      body: { name: 'continued', command: script('--steps 4 --ckpt-every 2 --fail-at 3 --interval-ms 10'), shell: true, cwd: REPO, params: { lr: 0.1 }, from: { job: base.body.id } },
    });
    assert.equal(continued.status, 201, JSON.stringify(continued.body));
    assert.deepEqual(continued.body.spec.from, { job: base.body.id });
    assert.deepEqual(continued.body.initFrom, { checkpointId: at10.id, jobId: base.body.id, step: 10, model: null });
    assert.equal((await waitForJob(s, continued.body.id, ['succeeded', 'failed'])).state, 'succeeded');
    assert.match(await log(s, continued.body.id, 1), new RegExp(`^init=\\[${at10.path}\\] init_id=\\[${at10.id}\\] resume=\\[\\]$`, 'm'));
    const ownCheckpoint = (await s.api(`/api/v1/jobs/${continued.body.id}/checkpoints`)).body.checkpoints[0];
    assert.match(await log(s, continued.body.id, 2), new RegExp(`^init=\\[${at10.path}\\] init_id=\\[${at10.id}\\] resume=\\[${ownCheckpoint.path}\\]$`, 'm'));

    // The SDKs expose it: Python's run.init_from / init_from_id (the TypeScript one: run.initFrom).
    const python = "import trainyard; run = trainyard.init(); print(f'sdk init_from={run.init_from} id={run.init_from_id} resume={run.resume_from}'); run.close()";
    const viaSdk = await s.api('/api/v1/jobs', {
      body: { name: 'sdk', command: ['python3', '-c', python], cwd: REPO, env: { PYTHONPATH: join(REPO, 'sdk', 'python') }, from: `checkpoint:${at5.id}` },
    });
    assert.equal(viaSdk.status, 201, JSON.stringify(viaSdk.body));
    assert.equal((await waitForJob(s, viaSdk.body.id, ['succeeded', 'failed'])).state, 'succeeded', await log(s, viaSdk.body.id));
    assert.match(await log(s, viaSdk.body.id), new RegExp(`^sdk init_from=${at5.path} id=${at5.id} resume=None$`, 'm'));

    // A model version and an alias; the CLI submits from the alias.
    await cliJson(s, ['model', 'create', 'chat']);
    await cliJson(s, ['model', 'version', 'chat', '--checkpoint', String(at5.id)]);
    await cliJson(s, ['model', 'alias', 'chat', '1', 'production']);
    const fromModel = await cliJson(s, ['submit', '--name', 'from-model', '--shell', '--from', 'model:chat@production', '--', script('--steps 5 --ckpt-every 5 --interval-ms 10')]);
    assert.equal(fromModel.spec.from, 'model:chat@production');
    assert.deepEqual(fromModel.initFrom, { checkpointId: at5.id, jobId: base.body.id, step: 5, model: { name: 'chat', version: 1 } });
    assert.equal((await waitForJob(s, fromModel.id, ['succeeded', 'failed'])).state, 'succeeded');
    assert.match(await log(s, fromModel.id), new RegExp(`^init=\\[${at5.path}\\] init_id=\\[${at5.id}\\]`, 'm'));

    // The alias moves on; the submitted job keeps what it resolved to.
    await cliJson(s, ['model', 'version', 'chat', '--checkpoint', String(ownCheckpoint.id)]);
    await cliJson(s, ['model', 'alias', 'chat', '2', 'production']);
    const shown = await s.api(`/api/v1/jobs/${fromModel.id}`);
    assert.equal(shown.body.initFrom.checkpointId, at5.id);
    const showText = await cli(s, ['show', String(fromModel.id)]);
    assert.match(showText.stdout, new RegExp(`from: +model:chat@production → checkpoint ${at5.id} \\(job ${base.body.id}, step 5, chat v1\\)`));

    // A version of the continued job's checkpoint records where that job started.
    const itsCheckpoint = (await s.api(`/api/v1/jobs/${fromModel.id}/checkpoints`)).body.checkpoints[0];
    const v3 = await cliJson(s, ['model', 'version', 'chat', '--checkpoint', String(itsCheckpoint.id)]);
    assert.deepEqual(v3.lineage.job.from, {
      declared: 'model:chat@production', checkpointId: at5.id, jobId: base.body.id, step: 5, model: { name: 'chat', version: 1 }, checkpointVersions: [{ model: 'chat', version: 1 }],
    });
    const modelText = await cli(s, ['model', 'show', 'chat']);
    assert.match(modelText.stdout, new RegExp(`checkpoint ${at5.id} \\(job ${base.body.id}, step 5; chat v1\\)`));

    // References that name nothing: 400, the field named, nothing created.
    const before = (await s.api('/api/v1/jobs')).body.jobs.length;
    const refusals: Array<[unknown, RegExp]> = [
      [{ job: 999 }, /^from: job 999 \(latest checkpoint\): no such job/],
      [{ checkpoint: 999 }, /^from: checkpoint 999: no such checkpoint/],
      ['model:chat@nope', /^from: model chat@nope: model chat has no alias nope \(its aliases: production\)/],
      ['model:other', /^from: model other@latest: no such model/],
      [{ job: base.body.id, pick: 'best', metric: 'bleu' }, /carries the metric "bleu"/],
      ['chat@production', /^from: expected model:NAME@ALIAS/],
    ];
    for (const [from, message] of refusals) {
      const refused = await s.api('/api/v1/jobs', { body: { command: ['true'], cwd: REPO, from } });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.error.field, 'from');
      assert.match(refused.body.error.message, message);
    }
    const viaCli = await cli(s, ['submit', '--from', 'job:999', '--', 'true']);
    assert.notEqual(viaCli.code, 0);
    assert.match(viaCli.stderr, /from: job 999 \(latest checkpoint\): no such job/);
    assert.equal((await s.api('/api/v1/jobs')).body.jobs.length, before, 'no job was created');
  });
});
