/**
 * The builtin target with a real serving process and real char-lm checkpoints: the deployment
 * steps, a restart after the process is killed, and adoption by a second target object (what
 * a restarted server does).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeCharLmCheckpoint } from '../../../../test/fixtures/char-lm-checkpoint.ts';
import type { DeployTargetSpec } from '../../../core/deployment.ts';
import type { DeployTarget, DeployVersion } from '../../target.ts';
import { runTargetContract } from '../contract.ts';
import { builtinTarget } from './index.ts';
import { isAlive, readServingState } from './serving-process.ts';

async function waitFor<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Serving processes the contract suite started: it removes their folder, so they end here. */
const contractPids = new Set<number>();
after(() => {
  for (const pid of contractPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
});

runTargetContract('builtin', {
  create(context) {
    const spec: DeployTargetSpec = {
      name: 'contract', kind: 'builtin', model: 'chat', alias: 'production', config: builtinTarget.parseConfig({}), smoke: null,
      watch: { windowSeconds: 0, intervalSeconds: 1, maxErrorRate: 0, maxLatencyMs: null },
    };
    const target = builtinTarget.create(spec, context);
    return {
      ...target,
      async open() {
        await target.open();
        const pid = readServingState(context.dir)?.pid;
        if (pid) contractPids.add(pid);
      },
    };
  },
  version: async (n, dir) => ({ model: 'chat', version: n, checkpointId: n, path: await writeCharLmCheckpoint(dir, 'model.bin', n), step: 20, metadata: {} }),
  smoke: { prompt: 'The engine ', maxTokens: 12, expect: { minLength: 12 } },
  timeoutMs: 60_000,
});

describe('builtin target', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'trainyard-builtin-'));
  const dir = join(dataDir, 'deploy', 'chat-prod');
  const spec: DeployTargetSpec = {
    name: 'chat-prod', kind: 'builtin', model: 'chat', alias: 'production', config: builtinTarget.parseConfig({}),
    smoke: { prompt: 'The engine ', maxTokens: 12, expect: { minLength: 12 } }, watch: { windowSeconds: 0, intervalSeconds: 1, maxErrorRate: 0, maxLatencyMs: null },
  };
  const logs: string[] = [];
  const context = { dir, dataDir, log: (line: string) => logs.push(line) };
  const version = (n: number, path: string): DeployVersion => ({ model: 'chat', version: n, checkpointId: n, path, step: 20, metadata: {} });
  const opened: DeployTarget[] = [];
  const open = async () => {
    const target = builtinTarget.create(spec, context);
    opened.push(target);
    await target.open();
    return target;
  };
  after(async () => {
    for (const target of opened) await target.close();
    for (const name of ['chat-prod', 'survivor']) {
      const state = readServingState(join(dataDir, 'deploy', name));
      if (state && isAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
    }
  });

  it('checks its config, naming the field', () => {
    assert.deepEqual(builtinTarget.parseConfig({}), { host: '127.0.0.1' });
    assert.throws(() => builtinTarget.parseConfig({ port: 'x' }), /config\.port/);
    assert.throws(() => builtinTarget.parseConfig({ prot: 1 }), /config/);
  });

  it('open → stage → check → switch → probe → current; a bad checkpoint fails stage and serving goes on', async () => {
    const v1 = version(1, await writeCharLmCheckpoint(dataDir, 'v1.bin', 1));
    const v2 = version(2, await writeCharLmCheckpoint(dataDir, 'v2.bin', 2));
    const target = await open();
    assert.equal(await target.current(), null);
    assert.equal((await target.probe(null)).ok, false, 'nothing serves yet');

    await target.stage(v1);
    const checked = await target.check(v1, spec.smoke);
    assert.equal(checked.ok, true, checked.detail);
    assert.equal(checked.text?.length, 12);
    assert.equal(await target.current(), null, 'staged, not serving');
    await target.switch(v1);
    assert.deepEqual(await target.current(), { model: 'chat', version: 1 });
    const probed = await target.probe(spec.smoke);
    assert.equal(probed.ok, true, probed.detail);

    await target.stage(v2);
    await target.switch(v2);
    assert.deepEqual(await target.current(), { model: 'chat', version: 2 });
    await target.retire(v1);
    const traffic = await target.traffic();
    assert.ok(traffic && traffic.requests >= 2 && traffic.errors === 0, JSON.stringify(traffic));

    writeFileSync(join(dataDir, 'broken.bin'), 'not a checkpoint');
    await assert.rejects(target.stage(version(3, join(dataDir, 'broken.bin'))), /answered 422: version 3 \(.*broken\.bin\) could not be loaded/);
    assert.deepEqual(await target.current(), { model: 'chat', version: 2 });
    const failed = await target.check(version(3, join(dataDir, 'broken.bin')), spec.smoke);
    assert.equal(failed.ok, false);
    assert.match(failed.detail, /chat@v3/);
  });

  it('restarts a serving process killed by its PID, with the version it served', async () => {
    const target = opened[0];
    const before = readServingState(dir)!;
    assert.equal(before.version, 2);
    process.kill(before.pid, 'SIGKILL');
    const after = await waitFor(() => {
      const state = readServingState(dir);
      return state && state.pid !== before.pid && isAlive(state.pid) ? state : null;
    }, 'a new serving process');
    assert.equal(after.version, 2);
    assert.equal(after.port, before.port, 'the port is kept');
    assert.deepEqual(await target.current(), { model: 'chat', version: 2 });
    assert.ok(logs.some((line) => /died; restarting it/.test(line)), logs.join('\n'));
  });

  it('a second target object (a restarted server) adopts the running process instead of starting another', async () => {
    const running = readServingState(dir)!;
    await opened[0].close();
    const again = await open();
    assert.equal(readServingState(dir)!.pid, running.pid);
    assert.deepEqual(await again.current(), { model: 'chat', version: 2 });
    assert.ok(logs.some((line) => line.includes(`adopted serving process ${running.pid}`)), logs.join('\n'));
    assert.equal(readFileSync(join(dir, 'admin-secret'), 'utf8').trim().length > 20, true);
  });

  it('the serving process outlives a kill -9 of the process that started it, and is adopted after', async () => {
    const fixture = join(import.meta.dirname, 'open-target.fixture.ts');
    const server = spawn(process.execPath, ['--import', 'tsx', fixture, dataDir, 'survivor', 'chat'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    server.stdout!.on('data', (d) => (out += d));
    const pid = Number(await waitFor(() => /^serving (\d+)$/m.exec(out)?.[1], 'the fixture to open the target'));
    const exited = new Promise((done) => server.once('exit', done));
    server.kill('SIGKILL');
    await exited;
    await new Promise((done) => setTimeout(done, 300));
    assert.ok(isAlive(pid), 'the serving process still runs');
    const survivorDir = join(dataDir, 'deploy', 'survivor');
    const target = builtinTarget.create({ ...spec, name: 'survivor' }, { ...context, dir: survivorDir });
    opened.push(target);
    await target.open();
    assert.equal(readServingState(survivorDir)!.pid, pid, 'adopted, not started again');
    await target.close();
    process.kill(pid, 'SIGKILL');
  });
});
