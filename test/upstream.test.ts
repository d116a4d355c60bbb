/**
 * A job that waits on others (`after`) reads them with its own run token and is told where
 * their latest checkpoints are (TRAINYARD_UPSTREAM_CHECKPOINTS), through a real server.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO, useServer, waitForJob, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');

/** Prints its upstream checkpoints, then the HTTP status of each `METHOD path` it is given. */
const PROBE = `
  const { TRAINYARD_URL: url, TRAINYARD_TOKEN: token, TRAINYARD_UPSTREAM_CHECKPOINTS: upstream } = process.env;
  console.log('upstream=' + upstream);
  for (const probe of process.argv.slice(1)) {
    const [method, path] = probe.split(' ');
    const res = await fetch(url + path, { method, headers: { authorization: 'Bearer ' + token } });
    console.log(probe + ' -> ' + res.status);
  }
`;

async function submit(server: TestServer, body: unknown): Promise<number> {
  const { status, body: job } = await server.api('/api/v1/jobs', { body });
  assert.equal(status, 201, JSON.stringify(job));
  return job.id;
}

const probe = (probes: string[], extra: Record<string, unknown> = {}) =>
  ({ command: [process.execPath, '--input-type=module', '-e', PROBE, ...probes], cwd: REPO, ...extra });

async function logOf(server: TestServer, id: number): Promise<string> {
  return (await server.api(`/api/v1/jobs/${id}/log`)).body;
}

describe('upstream jobs', () => {
  const server = useServer();

  it('lets a dependent job read its upstream jobs and find their latest checkpoints', async () => {
    const trained = await submit(server(), { name: 'pretrain', command: [process.execPath, TRAINER, '--steps', '10', '--interval-ms', '1', '--ckpt-every', '5'], cwd: REPO });
    const plain = await submit(server(), { name: 'no-checkpoints', command: [process.execPath, '-e', '0'], cwd: REPO });
    const unrelated = await submit(server(), { name: 'unrelated', command: [process.execPath, '-e', '0'], cwd: REPO });
    const probes = [
      `GET /api/v1/jobs/${trained}`,
      `GET /api/v1/jobs/${trained}/checkpoints`,
      `GET /api/v1/jobs/${trained}/metrics`,
      `GET /api/v1/jobs/${plain}`,
      `GET /api/v1/jobs/${unrelated}`,
      `POST /api/v1/jobs/${trained}/stop`,
    ];
    const finetune = await submit(server(), probe(probes, { name: 'finetune', after: [trained, plain] }));
    const done = await waitForJob(server(), finetune, ['succeeded', 'failed']);
    const log = await logOf(server(), finetune);
    assert.equal(done.state, 'succeeded', log);

    const checkpoints = (await server().api(`/api/v1/jobs/${trained}/checkpoints`)).body.checkpoints;
    const latest = checkpoints.filter((c: any) => !c.deleted).sort((a: any, b: any) => b.step - a.step)[0];
    assert.equal(latest.step, 10);
    const upstream = JSON.parse(/^upstream=(.*)$/m.exec(log)![1]);
    assert.deepEqual(upstream, { [trained]: latest.path }, 'an upstream job without a checkpoint is left out');
    assert.ok(existsSync(upstream[trained]), `${upstream[trained]} exists`);

    const status = (p: string) => Number(new RegExp(`^${p} -> (\\d+)$`, 'm').exec(log)?.[1]);
    assert.equal(status(probes[0]), 200, 'reads its upstream job');
    assert.equal(status(probes[1]), 200, "reads its upstream job's checkpoints");
    assert.equal(status(probes[2]), 200, "reads its upstream job's metrics");
    assert.equal(status(probes[3]), 200, 'reads every upstream job');
    assert.equal(status(probes[4]), 403, 'not a job it does not wait on');
    assert.equal(status(probes[5]), 403, 'reading only: no stop');
  });

  it('gives a job without upstream jobs an empty object', async () => {
    const alone = await submit(server(), probe([]));
    assert.equal((await waitForJob(server(), alone, ['succeeded', 'failed'])).state, 'succeeded');
    assert.match(await logOf(server(), alone), /^upstream=\{\}$/m);
  });
});
